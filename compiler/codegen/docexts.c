/* docexts.c - the document extensions GenerateDocPatterns stands for.
 *
 * USMT asks Windows which extensions are registered to document applications; Linux
 * has no such registry that works offline, so the list is fixed and documented here
 * (and in docs/policy-guide.md): office documents, text and markup, PDFs and e-books,
 * images, audio, video, archives people keep by hand, mail stores, notes, sources of
 * personal projects are deliberately NOT included (that is what explicit rules are for). */
#include "cg.h"

const char *const cg_doc_extensions[] = {
	/* word processing, spreadsheets, presentations (MS Office, LibreOffice, others) */
	"doc", "docx", "docm", "dot", "dotx", "rtf", "odt", "ott", "fodt", "wpd", "pages",
	"xls", "xlsx", "xlsm", "xlsb", "xlt", "xltx", "ods", "ots", "fods", "csv", "numbers",
	"ppt", "pptx", "pptm", "pps", "ppsx", "pot", "potx", "odp", "otp", "fodp", "key",
	"odg", "otg", "vsd", "vsdx", "pub", "mpp", "one", "accdb", "mdb", "odb",
	/* text, markup and portable documents */
	"txt", "text", "md", "markdown", "rst", "tex", "org", "pdf", "xps", "djvu", "epub",
	"mobi", "ps", "eps",
	/* images */
	"jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp", "heic", "heif", "svg",
	"psd", "xcf", "kra", "raw", "cr2", "nef", "dng", "arw", "orf",
	/* audio and video */
	"mp3", "m4a", "aac", "flac", "ogg", "oga", "opus", "wav", "wma", "aiff",
	"mp4", "m4v", "mkv", "webm", "avi", "mov", "wmv", "mpg", "mpeg", "3gp",
	/* mail and contacts people export */
	"eml", "msg", "mbox", "pst", "vcf", "ics",
	NULL,
};
