#ifndef SIGNOFF_CNCURSESW_SHIM_H
#define SIGNOFF_CNCURSESW_SHIM_H

// The wide-character API only appears when this is defined before the header;
// SwiftPM drops pkg-config -D flags, so it is set here.
#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <string.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <wchar.h>

// Swift cannot import function-like macros or C global variables under strict
// concurrency checking; these accessors expose exactly what the backend needs.

static inline attr_t signoff_attr_normal(void) { return A_NORMAL; }
static inline attr_t signoff_attr_bold(void) { return A_BOLD; }
static inline attr_t signoff_attr_reverse(void) { return A_REVERSE; }
static inline attr_t signoff_attr_underline(void) { return A_UNDERLINE; }
static inline attr_t signoff_attr_dim(void) { return A_DIM; }

static inline WINDOW *signoff_stdscr(void) { return stdscr; }
static inline WINDOW *signoff_curscr(void) { return curscr; }
static inline int signoff_lines(void) { return LINES; }
static inline int signoff_cols(void) { return COLS; }
static inline int signoff_colors(void) { return COLORS; }
static inline int signoff_color_pairs(void) { return COLOR_PAIRS; }

static inline FILE *signoff_stdout(void) { return stdout; }
static inline FILE *signoff_stdin(void) { return stdin; }

// Declared by <wchar.h> only under _XOPEN_SOURCE, which would change other
// declarations; libc always provides it.
extern int wcwidth(wchar_t c);
static inline int signoff_wcwidth(wchar_t c) { return wcwidth(c); }

static inline int signoff_key_f(int n) { return KEY_F(n); }

// tigetstr answers (char *)-1 for a name that is not a string capability.
static inline int signoff_has_string_capability(const char *name) {
    char *value = tigetstr(name);
    return value != NULL && value != (char *)-1 && value[0] != '\0';
}

static inline int signoff_locale_is_utf8(void) {
    const char *codeset = nl_langinfo(CODESET);
    return codeset != NULL
        && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0 || strcmp(codeset, "UTF8") == 0);
}

#endif
