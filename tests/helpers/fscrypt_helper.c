/* fscrypt_helper.c - set up fscrypt (v2 policies) for the encrypted-file tests.
 *
 *   fscrypt_helper add-key MOUNTPOINT           add a fixed test key; print its identifier
 *   fscrypt_helper set-policy DIR KEYID          encrypt the empty directory DIR with it
 *   fscrypt_helper remove-key MOUNTPOINT KEYID   remove the key (files become unreadable)
 * Exit 0 on success; 3 when the kernel or the filesystem refuses (the test skips). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fscrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define KEY_SIZE 64

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int parse_id(const char *s, unsigned char id[FSCRYPT_KEY_IDENTIFIER_SIZE])
{
	if (strlen(s) != 2 * FSCRYPT_KEY_IDENTIFIER_SIZE)
		return -1;
	for (int i = 0; i < FSCRYPT_KEY_IDENTIFIER_SIZE; i++) {
		int a = hexval(s[2 * i]), b = hexval(s[2 * i + 1]);
		if (a < 0 || b < 0)
			return -1;
		id[i] = (unsigned char)(a << 4 | b);
	}
	return 0;
}

static int refused(const char *what)
{
	fprintf(stderr, "fscrypt_helper: %s: %s\n", what, strerror(errno));
	return errno == ENOTTY || errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL ? 3 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: fscrypt_helper add-key MNT | set-policy DIR KEYID | "
				"remove-key MNT KEYID\n");
		return 2;
	}
	int fd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	if (!strcmp(argv[1], "add-key")) {
		struct fscrypt_add_key_arg *a = calloc(1, sizeof *a + KEY_SIZE);
		if (!a)
			return 1;
		a->key_spec.type = FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER;
		a->raw_size = KEY_SIZE;
		for (int i = 0; i < KEY_SIZE; i++)
			a->raw[i] = (unsigned char)(i * 7 + 3);
		if (ioctl(fd, FS_IOC_ADD_ENCRYPTION_KEY, a) != 0)
			return refused("FS_IOC_ADD_ENCRYPTION_KEY");
		for (int i = 0; i < FSCRYPT_KEY_IDENTIFIER_SIZE; i++)
			printf("%02x", a->key_spec.u.identifier[i]);
		printf("\n");
		free(a);
		return 0;
	}
	if (argc < 4)
		return 2;
	unsigned char id[FSCRYPT_KEY_IDENTIFIER_SIZE];
	if (parse_id(argv[3], id)) {
		fprintf(stderr, "fscrypt_helper: bad key identifier\n");
		return 2;
	}
	if (!strcmp(argv[1], "set-policy")) {
		struct fscrypt_policy_v2 p = {
		    .version = FSCRYPT_POLICY_V2,
		    .contents_encryption_mode = FSCRYPT_MODE_AES_256_XTS,
		    .filenames_encryption_mode = FSCRYPT_MODE_AES_256_CTS,
		    .flags = FSCRYPT_POLICY_FLAGS_PAD_32,
		};
		memcpy(p.master_key_identifier, id, sizeof id);
		if (ioctl(fd, FS_IOC_SET_ENCRYPTION_POLICY, &p) != 0)
			return refused("FS_IOC_SET_ENCRYPTION_POLICY");
		return 0;
	}
	if (!strcmp(argv[1], "remove-key")) {
		struct fscrypt_remove_key_arg r = {0};
		r.key_spec.type = FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER;
		memcpy(r.key_spec.u.identifier, id, sizeof id);
		if (ioctl(fd, FS_IOC_REMOVE_ENCRYPTION_KEY, &r) != 0)
			return refused("FS_IOC_REMOVE_ENCRYPTION_KEY");
		return 0;
	}
	return 2;
}
