import CNcursesw
import SignoffTUI

/// A role as ncurses draws it: attributes and a colour pair.
struct RoleAttributes {
    var attributes: attr_t
    var pair: Int16

    static let plain = RoleAttributes(attributes: signoff_attr_normal(), pair: 0)

    /// Resolves every role of `theme` once, allocating colour pairs as needed,
    /// so drawing a cell is one array lookup. Must run after `start_color`.
    static func table(theme: Theme, depth: ColorDepth, defaultColors: Bool) -> RoleTable<RoleAttributes> {
        var pairs: [PairKey: Int16] = [:]
        let maxPairs = Int(signoff_color_pairs())
        return RoleTable { role in
            let style = theme[role]
            var attributes = signoff_attr_normal()
            if style.bold { attributes |= signoff_attr_bold() }
            if style.reverse { attributes |= signoff_attr_reverse() }
            if style.underline { attributes |= signoff_attr_underline() }
            if style.dim { attributes |= signoff_attr_dim() }
            guard depth != .monochrome else { return RoleAttributes(attributes: attributes, pair: 0) }

            let foreground = (style.foreground ?? .default).palette(for: depth, foreground: true)
            let background = (style.background ?? .default).palette(for: depth, foreground: false)
            if foreground.needsBold { attributes |= signoff_attr_bold() }
            guard foreground.index != nil || background.index != nil else {
                return RoleAttributes(attributes: attributes, pair: 0)
            }
            // Without default-colour support, "default" has to be a real colour:
            // the classic light grey on black.
            let key = PairKey(
                foreground: foreground.index ?? (defaultColors ? -1 : 7),
                background: background.index ?? (defaultColors ? -1 : 0))
            if let pair = pairs[key] { return RoleAttributes(attributes: attributes, pair: pair) }
            let pair = Int16(pairs.count + 1)
            guard Int(pair) < maxPairs,
                  init_pair(pair, Int16(key.foreground), Int16(key.background)) != ERR
            else { return RoleAttributes(attributes: attributes, pair: 0) }
            pairs[key] = pair
            return RoleAttributes(attributes: attributes, pair: pair)
        }
    }

    private struct PairKey: Hashable {
        var foreground: Int
        var background: Int
    }
}
