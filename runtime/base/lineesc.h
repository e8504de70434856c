/* lineesc.h - the escaped line format of the store's text files (the restore journal,
 * pending deletion records: docs/store-format.md, "Escaped lines"). A field is the
 * name's bytes with every C0 control, DEL and '\' written as `\xNN` (two lower-case
 * hex digits); all other bytes, valid UTF-8 or not, are written as they are. Fields
 * are separated by tabs and records by newlines, which therefore never occur raw.
 * One encoder and one strict decoder for every writer and reader of the format. */
#ifndef MIGRT_LINEESC_H
#define MIGRT_LINEESC_H

#include <stdbool.h>
#include <stdio.h>

/* Write S as one escaped field. */
void lineesc_put(FILE *f, const char *s);

/* Decode the escaped field S in place. False (S then undefined) on what no writer
 * produces: '\' not followed by 'x' and exactly two hex digits (either case), `\x00`,
 * or a raw C0 control or DEL. */
bool lineesc_decode(char *s);

#endif
