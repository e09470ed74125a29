// The built-in themes, embedded so that any installed binary has them.
// Each constant is the exact text of the file of the same name in themes/;
// a test fails if the two differ.

enum BuiltinThemes {
    static let texts: [String: String] = [
        "colorblind": colorblindText,
        "default": defaultText,
        "high-contrast": highContrastText,
        "light": lightText,
        "monochrome": monochromeText,
    ]

    static let colorblindText = #"""
# signoff colour-blind-safe theme.
# Approval is blue and denial orange (Okabe-Ito palette), never red against
# green; denial and high risk are also underlined, so shape tells them apart
# even where hue does not.

extends             = default

normal              = default on default
dim                 = bright-black
title               = bright-white bold
header              = #56b4e9 bold
border              = #0072b2
selection           = black on #56b4e9 bold
selection_unfocused = black on white
status_bar          = bright-white on #0072b2
footer              = default
footer_key          = #56b4e9 bold
label               = bright-black
value               = default

pending             = #f0e442
approved            = #56b4e9 bold
denied              = #e69f00 bold underline
blocked             = #cc79a7 bold
break_glass         = black on #e69f00 bold

risk_high           = #e69f00 bold underline
risk_medium         = #f0e442

match               = black on #f0e442
failed_search       = black on #e69f00

error               = #e69f00 bold underline
warning             = #f0e442 bold
success             = #56b4e9

input               = bright-white underline
placeholder         = bright-black
asserted            = #cc79a7 underline

"""#

    static let defaultText = #"""
# signoff default theme: for dark terminal backgrounds.
#
# One 'role = style' a line. A style is an optional foreground colour,
# optionally 'on' a background colour, then any of: bold reverse underline dim.
# Colours: default, black red green yellow blue magenta cyan white,
# bright-black ... bright-white, a palette index 0-255, or #rrggbb.
# The basic names follow the colours set in your terminal.
# This theme sets every role; other themes fall back to it.

normal              = default on default
dim                 = bright-black
title               = bright-white bold
header              = cyan bold
border              = blue
selection           = black on cyan bold
selection_unfocused = black on white
status_bar          = bright-white on blue
footer              = default
footer_key          = cyan bold
label               = bright-black
value               = default

# Request states
pending             = yellow
approved            = green bold
denied              = red bold
blocked             = magenta bold
break_glass         = bright-white on red bold

risk_high           = bright-red bold
risk_medium         = yellow

# Search
match               = black on yellow
failed_search       = bright-white on red

# Messages
error               = bright-red bold
warning             = bright-yellow bold
success             = bright-green

input               = bright-white underline
placeholder         = bright-black
asserted            = bright-magenta underline

"""#

    static let highContrastText = #"""
# signoff high-contrast theme: pure black and white with the brightest colours,
# and bold wherever a state must stand out.

extends             = default

normal              = bright-white on black
dim                 = white on black
title               = bright-white on black bold underline
header              = bright-yellow on black bold
border              = bright-white on black
selection           = black on bright-yellow bold
selection_unfocused = black on white bold
status_bar          = black on bright-white bold
footer              = bright-white on black
footer_key          = bright-yellow on black bold
label               = bright-cyan on black
value               = bright-white on black

pending             = bright-yellow on black bold
approved            = bright-green on black bold
denied              = bright-red on black bold underline
blocked             = bright-magenta on black bold
break_glass         = black on bright-red bold

risk_high           = bright-red on black bold underline
risk_medium         = bright-yellow on black bold

match               = black on bright-cyan bold
failed_search       = bright-white on red bold

error               = bright-white on red bold
warning             = black on bright-yellow bold
success             = black on bright-green bold

input               = bright-white on black bold underline
placeholder         = white on black
asserted            = black on bright-magenta bold

"""#

    static let lightText = #"""
# signoff light theme: for light terminal backgrounds.
# Darker shades from the 256-colour palette keep text readable on white.

extends             = default

normal              = default on default
dim                 = 244
title               = 16 bold
header              = 25 bold
border              = 67
selection           = 231 on 25 bold
selection_unfocused = 16 on 252
status_bar          = 231 on 24
footer              = default
footer_key          = 25 bold
label               = 242
value               = default

pending             = 136
approved            = 28 bold
denied              = 160 bold
blocked             = 90 bold
break_glass         = 231 on 160 bold

risk_high           = 160 bold
risk_medium         = 136

match               = 16 on 222
failed_search       = 231 on 160

error               = 160 bold
warning             = 136 bold
success             = 28

input               = 16 underline
placeholder         = 246
asserted            = 90 underline

"""#

    static let monochromeText = #"""
# signoff monochrome theme: bold, reverse, underline and dim only.
# Used whenever colour is off (NO_COLOR, --no-color, or a terminal without
# colours). Every state still looks different from its neighbours: what
# awaits a decision is bold, what is settled is dim.

extends             = default

normal              = plain
dim                 = dim
title               = bold
header              = bold underline
border              = plain
selection           = reverse bold
selection_unfocused = reverse
status_bar          = reverse
footer              = plain
footer_key          = bold
label               = dim
value               = plain

pending             = bold
approved            = dim
denied              = bold underline
blocked             = underline
break_glass         = reverse bold underline

risk_high           = bold underline
risk_medium         = underline

match               = underline bold
failed_search       = reverse underline

error               = reverse bold
warning             = bold
success             = bold

input               = underline
placeholder         = dim
asserted            = bold underline

"""#
}
