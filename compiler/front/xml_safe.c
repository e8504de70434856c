/* xml_safe.c - hardened reading and parsing of one XML file, and positions in it.
 *
 * Before libxml2 sees a byte: the size is checked from fstat (refused above
 * XML_MAX_BYTES), UTF-16 and NUL bytes are refused, the whole file must be valid
 * UTF-8. libxml2 then parses from memory with no network access, no DTD loading, no
 * default attributes and no entity substitution; any entity declaration or reference
 * stops the parse, so external entities and "billion laughs" never expand. libxml2's
 * errors go through a structured handler into the diag_set, never to stderr.
 *
 * libxml2 gives element lines but no columns, so each element records where its '<'
 * is when libxml2 makes it: at that moment the parser stands at the end of the start
 * tag, and the '<' is the last one before (a start tag holds no other '<'). Text and
 * attribute positions are then found by walking the raw bytes from there, undoing
 * CRLF folding and references. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "sha256.h"
#include "xml_load.h"
#include "xml_priv.h"

/* ---------------------------------------------------------------------------
 * Line map
 * ------------------------------------------------------------------------- */

/* Lines end at '\n' only, as libxml2 counts them (CRLF ends with '\n'; the CR is
 * then the last byte of its line). Line 1 starts after the byte-order mark. */
static void build_lines(struct xdoc *x)
{
	size_t n = 1;
	const unsigned char *end = x->buf + x->len;
	for (const unsigned char *p = x->buf + x->body; (p = memchr(p, '\n', (size_t)(end - p)));
	     p++)
		n++;
	x->lines = malloc(n * sizeof(*x->lines));
	if (!x->lines) {
		fprintf(stderr, "migc: out of memory\n");
		abort();
	}
	x->nlines = 0;
	x->lines[x->nlines++] = (uint32_t)x->body;
	for (const unsigned char *p = x->buf + x->body; (p = memchr(p, '\n', (size_t)(end - p)));
	     p++)
		x->lines[x->nlines++] = (uint32_t)(p - x->buf + 1);
}

/* Location of byte OFF: 1-based line and byte column. */
struct src_loc xdoc_loc_at(const struct xdoc *x, size_t off)
{
	struct src_loc loc = {x->path, 0, 0};
	if (!x->lines || off > x->len)
		return loc;
	size_t lo = 0, hi = x->nlines; /* first line starting after OFF */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->lines[mid] <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		lo = 1;
	loc.line = (int)lo;
	loc.col = (int)(off - x->lines[lo - 1]) + 1;
	return loc;
}

/* Byte offset of libxml2's position LINE / COL (COL counts characters), or
 * (size_t)-1 when it does not fall inside the line. */
static size_t offset_of(const struct xdoc *x, int line, int col)
{
	if (line < 1 || (size_t)line > x->nlines || col < 1)
		return (size_t)-1;
	size_t off = x->lines[line - 1];
	size_t end = (size_t)line < x->nlines ? x->lines[line] : x->len;
	for (int c = 1; c < col; c++) {
		if (off >= end)
			return (size_t)-1;
		off++;
		while (off < end && (x->buf[off] & 0xC0) == 0x80)
			off++;
	}
	return off <= end ? off : (size_t)-1;
}

/* ---------------------------------------------------------------------------
 * Reading and byte-level checks
 * ------------------------------------------------------------------------- */

static void fail_at(struct xdoc *x, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_at(struct xdoc *x, size_t off, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct src_loc loc =
	    off == (size_t)-1 ? (struct src_loc){x->path, 0, 0} : xdoc_loc_at(x, off);
	xd_report(x, DIAG_ERROR, loc, NULL, "%s", msg);
}

static int read_file(struct xdoc *x)
{
	int fd = open(x->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		fail_at(x, (size_t)-1, "cannot open: %s", strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		fail_at(x, (size_t)-1, "cannot stat: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		fail_at(x, (size_t)-1, "not a regular file");
		close(fd);
		return -1;
	}
	if (st.st_size > (off_t)XML_MAX_BYTES) {
		fail_at(x, (size_t)-1,
			"file is %lld bytes; XML files larger than %u MiB are refused",
			(long long)st.st_size, XML_MAX_BYTES >> 20);
		close(fd);
		return -1;
	}
	/* One byte more than the limit, in case the file grows while we read it. */
	size_t cap = (size_t)st.st_size + 1;
	x->buf = malloc(cap + 1);
	if (!x->buf) {
		fprintf(stderr, "migc: out of memory\n");
		abort();
	}
	size_t got = 0;
	while (got < cap) {
		ssize_t r = read(fd, x->buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fail_at(x, (size_t)-1, "cannot read: %s", strerror(errno));
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got > XML_MAX_BYTES) {
		fail_at(x, (size_t)-1, "file grew beyond %u MiB while being read",
			XML_MAX_BYTES >> 20);
		return -1;
	}
	x->len = got;
	x->buf[got] = '\0';
	return 0;
}

/* Length of the valid UTF-8 sequence at P (at most N bytes), 0 if invalid. Overlong
 * forms, surrogates and code points above U+10FFFF are invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

static int check_bytes(struct xdoc *x)
{
	const unsigned char *b = x->buf;
	if (x->len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
		fail_at(x, (size_t)-1,
			"file is UTF-16; only UTF-8 is supported "
			"(convert it, e.g. iconv -f UTF-16 -t UTF-8)");
		return -1;
	}
	if (x->len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
		x->body = 3;
	build_lines(x);
	for (size_t i = x->body; i < x->len;) {
		/* Eight ASCII bytes without a NUL at a time: nothing to check there. */
		if (i + 8 <= x->len) {
			uint64_t w;
			memcpy(&w, b + i, 8);
			const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
			if (((w | ((w - ones) & ~w)) & highs) == 0) {
				i += 8;
				continue;
			}
		}
		if (b[i] == 0) {
			fail_at(x, i, "NUL byte in file; XML files must not contain NUL bytes");
			return -1;
		}
		size_t n = utf8_len(b + i, x->len - i);
		if (n == 0) {
			fail_at(x, i, "invalid UTF-8 (byte 0x%02X); the file must be UTF-8", b[i]);
			return -1;
		}
		i += n;
	}
	return 0;
}

/* The XML declaration's encoding= is ignored (every file is read as UTF-8); say so
 * when it names something else. */
static void check_declared_encoding(struct xdoc *x)
{
	const char *p = (const char *)x->buf + x->body;
	if (strncmp(p, "<?xml", 5) != 0)
		return;
	const char *end = strstr(p, "?>");
	const char *e = strstr(p, "encoding");
	if (!end || !e || e > end)
		return;
	e += 8;
	while (*e == ' ' || *e == '\t' || *e == '\r' || *e == '\n' || *e == '=')
		e++;
	if (*e != '"' && *e != '\'')
		return;
	char q = *e++;
	const char *v = e;
	while (e < end && *e != q)
		e++;
	size_t n = (size_t)(e - v);
	static const char *const ok[] = {"UTF-8", "UTF8", "US-ASCII", "ASCII"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (n == strlen(ok[i]) && strncasecmp(v, ok[i], n) == 0)
			return;
	xd_report(x, DIAG_WARNING, xdoc_loc_at(x, (size_t)(v - (const char *)x->buf)), "encoding",
		  "declared encoding \"%.*s\" is ignored: the file is read as UTF-8",
		  (int)(n > 40 ? 40 : n), v);
}

/* ---------------------------------------------------------------------------
 * libxml2 parse with captured errors and no entities
 * ------------------------------------------------------------------------- */

struct xparse {
	struct xdoc *x;
	xmlParserCtxt *ctxt;
	bool failed;	   /* an error was reported */
	bool stopped;	   /* we stopped the parser; ignore what libxml2 says next */
	xmlNode *too_deep; /* the first element nested XML_MAX_DEPTH deep */
};

/* Byte offset of the parser's current position, or (size_t)-1. */
static size_t parser_offset(struct xparse *st)
{
	xmlParserInput *in = st->ctxt->input;
	if (!in)
		return (size_t)-1;
	return offset_of(st->x, in->line, in->col);
}

/* Search back from OFF for NEEDLE (the start of the construct being reported). */
static size_t back_to(const struct xdoc *x, size_t off, const char *needle)
{
	size_t n = strlen(needle);
	if (off == (size_t)-1 || off > x->len)
		off = x->len;
	for (size_t i = off + 1; i-- > x->body;)
		if (i + n <= x->len && memcmp(x->buf + i, needle, n) == 0)
			return i;
	return off;
}

static void stop_with(struct xparse *st, size_t off, const char *msg, const xmlChar *name)
{
	if (st->stopped)
		return;
	st->stopped = true;
	st->failed = true;
	xd_report(st->x, DIAG_ERROR, xdoc_loc_at(st->x, off), NULL, "%s (%.60s)", msg,
		  name ? (const char *)name : "?");
	xmlStopParser(st->ctxt);
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *pub,
			   const xmlChar *sys, xmlChar *content)
{
	(void)type, (void)pub, (void)sys, (void)content;
	xmlParserCtxt *ctxt = ctx;
	struct xparse *st = ctxt->_private;
	stop_with(st, back_to(st->x, parser_offset(st), "<!ENTITY"),
		  "entity declarations are not allowed", name);
}

static void on_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *pub,
				    const xmlChar *sys, const xmlChar *notation)
{
	on_entity_decl(ctx, name, 0, pub, sys, (xmlChar *)notation);
}

static xmlEntity *on_get_entity(void *ctx, const xmlChar *name)
{
	xmlParserCtxt *ctxt = ctx;
	struct xparse *st = ctxt->_private;
	if (ctxt->inSubset)
		stop_with(st, back_to(st->x, parser_offset(st), "<!ENTITY"),
			  "entity declarations are not allowed", name);
	else
		stop_with(st, back_to(st->x, parser_offset(st), "&"),
			  "entity references are not allowed", name);
	return NULL;
}

static xmlEntity *on_get_pentity(void *ctx, const xmlChar *name)
{
	xmlParserCtxt *ctxt = ctx;
	struct xparse *st = ctxt->_private;
	stop_with(st, back_to(st->x, parser_offset(st), "%"),
		  "parameter entity references are not allowed", name);
	return NULL;
}

static void handle_error(struct xparse *st, const xmlError *e)
{
	if (st->stopped || !e || e->code == XML_ERR_USER_STOP)
		return;
	char msg[300];
	snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "XML error");
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	if (strncmp(msg, "Excessive depth in document", 27) == 0)
		snprintf(msg, sizeof(msg), "elements are nested more than %u deep", XML_MAX_DEPTH);

	struct src_loc loc = {st->x->path, e->line > 0 ? e->line : 0, 0};
	size_t off = offset_of(st->x, e->line, e->int2);
	if (off != (size_t)-1 && e->code == XML_ERR_TAG_NAME_MISMATCH)
		off = back_to(st->x, off, "</"); /* libxml2 is past the end tag: point at it */
	if (off != (size_t)-1)
		loc = xdoc_loc_at(st->x, off);
	if (e->level == XML_ERR_WARNING) {
		xd_report(st->x, DIAG_WARNING, loc, "xml", "%s", msg);
		return;
	}
	/* After the first error libxml2 goes on, but what follows is mostly the echo of
	 * that error ("... and unparsable"): only the first is reported. */
	if (st->failed)
		return;
	st->failed = true;
	xd_report(st->x, DIAG_ERROR, loc, NULL, "%s", msg);
}

/* libxml2 2.9's handler type takes a non-const xmlError. */
static void on_ctxt_error(void *ctx, xmlError *e)
{
	xmlParserCtxt *ctxt = ctx;
	handle_error(ctxt->_private, e);
}

static void on_global_error(void *data, xmlError *e)
{
	handle_error(data, e);
}

static void on_generic_error(void *data, const char *msg, ...)
{
	(void)data, (void)msg;
}

/* libxml2 made element N (ctxt->node) and stands just past its attributes, at the
 * '>' or "/>": N's '<' is the last '<' before. Its offset + 1 goes in N->_private (0:
 * not known). */
static void on_start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
			     const xmlChar *uri, int nb_ns, const xmlChar **ns, int nb_attrs,
			     int nb_defaulted, const xmlChar **attrs)
{
	xmlParserCtxt *ctxt = ctx;
	struct xparse *st = ctxt->_private;
	struct xdoc *x = st->x;
	xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_ns, ns, nb_attrs, nb_defaulted,
			      attrs);
	xmlNode *n = ctxt->node;
	if (!n || n->type != XML_ELEMENT_NODE || n->name != localname || n->_private)
		return; /* not made (out of memory) */
	long used = xmlByteConsumed(ctxt);
	size_t end = used < 0 ? x->len : x->body + (size_t)used;
	if (end > x->len)
		end = x->len;
	for (size_t i = end; i-- > x->body;)
		if (x->buf[i] == '<') {
			n->_private = (void *)(uintptr_t)(i + 1);
			break;
		}
	if (!st->too_deep && ctxt->nodeNr >= (int)XML_MAX_DEPTH)
		st->too_deep = n;
}

/* libxml2 reads the file's bytes from x->buf a block at a time: xmlCtxtReadMemory
 * would first copy the whole file into a buffer of its own (libxml2 2.9), and that
 * copy costs as much as the read. */
struct mem_reader {
	const unsigned char *p;
	size_t left;
};

static int mem_read(void *ctx, char *out, int len)
{
	struct mem_reader *r = ctx;
	size_t n = len > 0 ? (size_t)len : 0;
	if (n > r->left)
		n = r->left;
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return (int)n;
}

static int parse(struct xdoc *x)
{
	xmlParserCtxt *ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		fprintf(stderr, "migc: out of memory\n");
		abort();
	}
	struct xparse st = {.x = x, .ctxt = ctxt};
	ctxt->_private = &st;
	ctxt->sax->serror = on_ctxt_error;
	ctxt->sax->entityDecl = on_entity_decl;
	ctxt->sax->unparsedEntityDecl = on_unparsed_entity_decl;
	ctxt->sax->getEntity = on_get_entity;
	ctxt->sax->getParameterEntity = on_get_pentity;
	ctxt->sax->startElementNs = on_start_element;

	/* Errors raised outside the parser context (encoding, I/O) use the global
	 * handlers: capture them too, and put the previous ones back afterwards. */
	xmlStructuredErrorFunc old_serror = xmlStructuredError;
	void *old_sctx = xmlStructuredErrorContext;
	xmlGenericErrorFunc old_generic = xmlGenericError;
	void *old_gctx = xmlGenericErrorContext;
	xmlSetStructuredErrorFunc(&st, on_global_error);
	xmlSetGenericErrorFunc(NULL, on_generic_error);

	/* Deliberately absent: XML_PARSE_NOENT, DTDLOAD, DTDATTR, DTDVALID, XINCLUDE,
	 * HUGE (which would lift libxml2's depth and size limits). COMPACT keeps short
	 * text inside its node (fewer allocations; the tree is only read). */
	int opts = XML_PARSE_NONET | XML_PARSE_IGNORE_ENC | XML_PARSE_BIG_LINES | XML_PARSE_COMPACT;
	struct mem_reader in = {x->buf + x->body, x->len - x->body};
	xmlDoc *doc = xmlCtxtReadIO(ctxt, mem_read, NULL, &in, x->path, NULL, opts);

	xmlSetStructuredErrorFunc(old_sctx, old_serror);
	xmlSetGenericErrorFunc(old_gctx, old_generic);
	xmlFreeParserCtxt(ctxt);

	if (doc && !st.failed && doc->intSubset && doc->intSubset->entities) {
		st.failed = true;
		xd_report(x, DIAG_ERROR, xdoc_loc_at(x, back_to(x, 0, "<!ENTITY")), NULL,
			  "entity declarations are not allowed");
	}
	if (!doc && !st.failed)
		fail_at(x, (size_t)-1, "not a well-formed XML document");
	if (!doc || st.failed) {
		xmlFreeDoc(doc);
		return -1;
	}
	x->doc = doc;
	x->root = xmlDocGetRootElement(doc);
	if (!x->root) {
		fail_at(x, (size_t)-1, "the document has no root element");
		return -1;
	}
	if (st.too_deep) {
		xd_report(x, DIAG_ERROR, xdoc_loc(x, st.too_deep), NULL,
			  "elements are nested more than %u deep", XML_MAX_DEPTH);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------------------
 * Positions in the raw bytes
 * ------------------------------------------------------------------------- */

static bool at(const struct xdoc *x, size_t i, const char *s)
{
	size_t n = strlen(s);
	return i + n <= x->len && memcmp(x->buf + i, s, n) == 0;
}

/* Offset just past the first TERM at or after I (x->len if none). */
static size_t skip_past(const struct xdoc *x, size_t i, const char *term)
{
	const char *p = strstr((const char *)x->buf + i, term);
	return p ? (size_t)(p - (const char *)x->buf) + strlen(term) : x->len;
}

static bool name_char(unsigned char c)
{
	return c != '>' && c != '/' && c != '=' && c != ' ' && c != '\t' && c != '\r' &&
	       c != '\n' && c != '\0';
}

/* Offset just past the '>' of the tag starting at I, skipping quoted values. */
static size_t skip_tag(const struct xdoc *x, size_t i)
{
	while (i < x->len && x->buf[i] != '>') {
		if (x->buf[i] == '"' || x->buf[i] == '\'') {
			const char *q = memchr(x->buf + i + 1, x->buf[i], x->len - i - 1);
			i = q ? (size_t)(q - (const char *)x->buf) : x->len;
		}
		i++;
	}
	return i < x->len ? i + 1 : x->len;
}

/* ---------------------------------------------------------------------------
 * Public part
 * ------------------------------------------------------------------------- */

/* Read, check and parse PATH. */
int xdoc_open(struct xdoc *x, struct arena *a, struct diag_set *d, const char *path)
{
	memset(x, 0, sizeof(*x));
	x->a = a;
	x->d = d;
	x->path = arena_strdup(a, path);
	if (read_file(x) < 0)
		return -1;
	sha256(x->buf, x->len, x->sha256);
	if (check_bytes(x) < 0)
		return -1;
	check_declared_encoding(x);
	return parse(x);
}

/* Free the buffers and the libxml2 tree (the arena keeps everything extracted). */
void xdoc_close(struct xdoc *x)
{
	xmlFreeDoc(x->doc);
	pat_parser_free(x->pats);
	x->pats = NULL;
	free(x->buf);
	free(x->lines);
	x->doc = NULL;
	x->root = NULL;
	x->buf = NULL;
	x->lines = NULL;
}

static size_t node_offset(const xmlNode *n)
{
	return n && n->type == XML_ELEMENT_NODE && n->_private ? (size_t)(uintptr_t)n->_private - 1
							       : (size_t)-1;
}

/* Location of element N's '<', or its line alone. */
struct src_loc xdoc_loc(const struct xdoc *x, const xmlNode *n)
{
	size_t off = node_offset(n);
	if (off != (size_t)-1)
		return xdoc_loc_at(x, off);
	struct src_loc loc = {x->path, n ? (int)xmlGetLineNo(n) : 0, 0};
	if (loc.line < 0)
		loc.line = 0;
	return loc;
}

/* Decoded length of the reference at I ('&'), storing the offset past ';' in *END;
 * 0 if it is not a reference. */
static size_t ref_len(const struct xdoc *x, size_t i, size_t *end)
{
	const unsigned char *semi = memchr(x->buf + i, ';', x->len - i < 16 ? x->len - i : 16);
	if (!semi)
		return 0;
	*end = (size_t)(semi - x->buf) + 1;
	if (x->buf[i + 1] != '#')
		return 1; /* &lt; &gt; &amp; &quot; &apos; */
	unsigned long cp = x->buf[i + 2] == 'x' ? strtoul((const char *)x->buf + i + 3, NULL, 16)
						: strtoul((const char *)x->buf + i + 2, NULL, 10);
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* Offset of decoded column COL of the value starting at START. QUOTE is the
 * attribute's quote character, or 0 for element content. */
static size_t map_col(const struct xdoc *x, size_t start, int col, unsigned char quote)
{
	size_t i = start;
	long k = 1; /* decoded column of the byte at i */
	bool cdata = false;
	while (i < x->len && k < col) {
		unsigned char c = x->buf[i];
		if (cdata && at(x, i, "]]>")) {
			cdata = false;
			i += 3;
			continue;
		}
		if (!cdata && quote && c == quote)
			break;
		if (!cdata && !quote && c == '<') {
			if (at(x, i, "<!--"))
				i = skip_past(x, i, "-->");
			else if (at(x, i, "<![CDATA[")) {
				cdata = true;
				i += 9;
			} else if (at(x, i, "<?"))
				i = skip_past(x, i, "?>");
			else
				break;
			continue;
		}
		if (!cdata && c == '&') {
			size_t end;
			size_t len = ref_len(x, i, &end);
			if (len) {
				if (k + (long)len > col)
					return i; /* inside the reference: point at '&' */
				k += (long)len;
				i = end;
				continue;
			}
		}
		if (c == '\r' && i + 1 < x->len && x->buf[i + 1] == '\n')
			i++; /* CRLF is one decoded character */
		i++;
		k++;
	}
	return i;
}

/* Location of column COL of N's text content. */
struct src_loc xdoc_text_loc(const struct xdoc *x, const xmlNode *n, int col)
{
	size_t off = node_offset(n);
	if (off == (size_t)-1)
		return xdoc_loc(x, n);
	size_t content = skip_tag(x, off);
	if (content >= 2 && x->buf[content - 2] == '/')
		return xdoc_loc_at(x, off); /* <empty/> */
	return xdoc_loc_at(x, map_col(x, content, col < 1 ? 1 : col, 0));
}

/* Location of column COL of attribute NAME's value in N's start tag. */
struct src_loc xdoc_attr_loc(const struct xdoc *x, const xmlNode *n, const char *name, int col)
{
	size_t i = node_offset(n);
	if (i == (size_t)-1)
		return xdoc_loc(x, n);
	size_t tag = i;
	size_t nl = strlen(name);
	i++;
	while (i < x->len && name_char(x->buf[i]))
		i++;
	for (;;) {
		while (i < x->len && strchr(" \t\r\n", x->buf[i]))
			i++;
		if (i >= x->len || x->buf[i] == '>' || x->buf[i] == '/')
			return xdoc_loc_at(x, tag);
		size_t an = i;
		while (i < x->len && name_char(x->buf[i]))
			i++;
		size_t alen = i - an;
		while (i < x->len && strchr(" \t\r\n=", x->buf[i]))
			i++;
		if (i >= x->len || (x->buf[i] != '"' && x->buf[i] != '\''))
			return xdoc_loc_at(x, tag);
		unsigned char q = x->buf[i++];
		if (alen == nl && memcmp(x->buf + an, name, nl) == 0)
			return xdoc_loc_at(x, map_col(x, i, col < 1 ? 1 : col, q));
		const unsigned char *e = memchr(x->buf + i, q, x->len - i);
		if (!e)
			return xdoc_loc_at(x, tag);
		i = (size_t)(e - x->buf) + 1;
	}
}
