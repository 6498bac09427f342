/* When cJSON fails, a check that allocates nothing decides whether the text
   was JSON. It accepts no more than cJSON 1.7 reads, so that a corrupt text
   is never taken for a lack of memory: cJSON's nesting limit, its escapes and
   UTF-16 surrogate pairs, and numbers of at most 63 characters (some cJSON
   versions read no more). Where it is stricter than cJSON (raw control bytes
   in strings, "1." or "01", a bad \u escape, a byte-order mark), a failed
   allocation reads as a format error, on texts maskcast never writes. */
#include "io/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { MAX_NUMBER = 63 };

typedef struct scan {
    const unsigned char *s;
    size_t i;
} scan;

static bool value(scan *c, size_t depth);

static void skip_space(scan *c)
{
    while (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\n' || c->s[c->i] == '\r')
        c->i++;
}

static bool is_digit(unsigned char ch) { return ch >= '0' && ch <= '9'; }

/* Four hex digits at s; their value in *v. */
static bool hex4(const unsigned char *s, unsigned *v)
{
    *v = 0;
    for (int k = 0; k < 4; k++) {
        const unsigned char ch = s[k];
        const unsigned d = is_digit(ch)                ? ch - '0' + 0u
                           : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10u
                           : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10u
                                                    : 16u;
        if (d == 16u)
            return false;
        *v = *v * 16u + d;
    }
    return true;
}

static bool string(scan *c)
{
    if (c->s[c->i] != '"')
        return false;
    for (c->i++;; c->i++) {
        const unsigned char ch = c->s[c->i];
        if (ch == '"') {
            c->i++;
            return true;
        }
        if (ch < 0x20)
            return false; /* the end of the text, or a raw control byte */
        if (ch != '\\')
            continue;
        const unsigned char e = c->s[++c->i];
        if (e == 'u') {
            unsigned u, low;
            if (!hex4(c->s + c->i + 1, &u) || (u >= 0xDC00 && u <= 0xDFFF))
                return false;
            c->i += 4;
            if (u >= 0xD800 && u <= 0xDBFF) { /* a high surrogate needs its low half */
                if (c->s[c->i + 1] != '\\' || c->s[c->i + 2] != 'u' ||
                    !hex4(c->s + c->i + 3, &low) || low < 0xDC00 || low > 0xDFFF)
                    return false;
                c->i += 6;
            }
        } else if (e == '\0' || strchr("\"\\/bfnrt", e) == NULL) {
            return false;
        }
    }
}

static bool number(scan *c)
{
    const size_t start = c->i;
    if (c->s[c->i] == '-')
        c->i++;
    if (c->s[c->i] == '0')
        c->i++;
    else if (is_digit(c->s[c->i]))
        while (is_digit(c->s[c->i]))
            c->i++;
    else
        return false;
    if (c->s[c->i] == '.') {
        if (!is_digit(c->s[++c->i]))
            return false;
        while (is_digit(c->s[c->i]))
            c->i++;
    }
    if (c->s[c->i] == 'e' || c->s[c->i] == 'E') {
        c->i++;
        if (c->s[c->i] == '+' || c->s[c->i] == '-')
            c->i++;
        if (!is_digit(c->s[c->i]))
            return false;
        while (is_digit(c->s[c->i]))
            c->i++;
    }
    return c->i - start <= MAX_NUMBER;
}

/* The members of an array (object false) or object, after its opening bracket. */
static bool members(scan *c, bool object, size_t depth)
{
    const unsigned char close = object ? '}' : ']';
    skip_space(c);
    if (c->s[c->i] == close) {
        c->i++;
        return true;
    }
    for (;;) {
        if (object) {
            skip_space(c);
            if (!string(c))
                return false;
            skip_space(c);
            if (c->s[c->i++] != ':')
                return false;
        }
        if (!value(c, depth))
            return false;
        skip_space(c);
        const unsigned char next = c->s[c->i++];
        if (next == close)
            return true;
        if (next != ',')
            return false;
    }
}

static bool literal(scan *c, const char *word)
{
    const size_t n = strlen(word);
    if (strncmp((const char *)c->s + c->i, word, n) != 0)
        return false;
    c->i += n;
    return true;
}

static bool value(scan *c, size_t depth)
{
    skip_space(c);
    switch (c->s[c->i]) {
    case '"': return string(c);
    case '[':
    case '{':
        if (depth >= CJSON_NESTING_LIMIT)
            return false;
        return members(c, c->s[c->i++] == '{', depth + 1);
    case 'n': return literal(c, "null");
    case 't': return literal(c, "true");
    case 'f': return literal(c, "false");
    default: return number(c);
    }
}

static bool well_formed(const char *text, bool whole)
{
    scan c = {(const unsigned char *)text, 0};
    if (!value(&c, 0))
        return false;
    skip_space(&c);
    return !whole || c.s[c.i] == '\0';
}

mc_status mc_json_parse(cJSON **out, const char *text, bool whole, size_t *stop)
{
    const char *end = text;
    *out = cJSON_ParseWithOpts(text, &end, whole);
    if (*out != NULL)
        return MC_OK;
    if (stop != NULL)
        *stop = end != NULL && end >= text ? (size_t)(end - text) : 0;
    return well_formed(text, whole) ? MC_ERR_NOMEM : MC_ERR_FORMAT;
}

bool mc_json_put(cJSON *o, const char *key, cJSON *item)
{
    if (o == NULL || item == NULL ||
        !(key != NULL ? cJSON_AddItemToObject(o, key, item) : cJSON_AddItemToArray(o, item))) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

cJSON *mc_json_exact(double v, bool null_for_nan)
{
    if (null_for_nan && isnan(v))
        return cJSON_CreateNull();
    char text[40];
    snprintf(text, sizeof text, "%.17g", isfinite(v) ? v : 0.0);
    return cJSON_CreateRaw(text);
}
