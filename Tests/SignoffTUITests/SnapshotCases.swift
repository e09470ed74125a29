import Foundation
import SignoffCore
@testable import SignoffTUI

/// A screen worth snapshotting: a size, a glyph set, and the keys that lead there.
struct SnapshotCase {
    let name: String
    let size: Size
    let glyphs: Glyphs
    let keys: [Key]
    /// Loads the sample grants as well as the requests.
    var grants = false
    var text: String = ""

    func model() -> ConsoleModel {
        var model = grants ? Sample.grantModel(size: size, glyphs: glyphs) : Sample.model(size: size, glyphs: glyphs)
        for key in keys { feed(&model, .key(key)) }
        return model
    }

    func render() -> Grid { view(model(), size: size, glyphs: glyphs) }

    static func chars(_ text: String) -> [Key] { text.map { Key.character($0) } }

    static let all: [SnapshotCase] = [
        SnapshotCase(name: "queue-40x12-unicode", size: Size(width: 40, height: 12), glyphs: .unicode, keys: []),
        SnapshotCase(name: "queue-40x12-ascii", size: Size(width: 40, height: 12), glyphs: .ascii, keys: []),
        // All pending, REQ-000005 (hostile purpose, ESC in the requester) selected, detail focused.
        SnapshotCase(name: "hostile-detail-100x30-unicode", size: Size(width: 100, height: 30), glyphs: .unicode,
                     keys: chars("2jjj") + [.enter] + chars("jjjj")),
        SnapshotCase(name: "hostile-detail-100x30-ascii", size: Size(width: 100, height: 30), glyphs: .ascii,
                     keys: chars("2jjj") + [.enter] + chars("jjjj")),
        SnapshotCase(name: "decision-100x30-unicode", size: Size(width: 100, height: 30), glyphs: .unicode,
                     keys: chars("ja") + chars("checked OPS-42") + [.enter] + chars("owner agreed")),
        // At the smallest size the terms do not all fit: the panel says how much taller, and Ctrl-s records nothing.
        SnapshotCase(name: "decision-40x12-ascii", size: Size(width: 40, height: 12), glyphs: .ascii,
                     keys: chars("a") + chars("incident INC-7 needs it") + [.control("s")]),
        // Where the whole restatement fits, the typed confirmation is asked for.
        SnapshotCase(name: "confirm-100x30-unicode", size: Size(width: 100, height: 30), glyphs: .unicode,
                     keys: chars("a") + chars("incident INC-7 needs it") + [.control("s")] + chars("ye")),
        SnapshotCase(name: "all-pending-200x60-unicode", size: Size(width: 200, height: 60), glyphs: .unicode,
                     keys: chars("2G")),
        // The detail's policy section: may I decide, for which step, what is missing; other rules folded.
        SnapshotCase(name: "policy-140x40-unicode", size: Size(width: 140, height: 40), glyphs: .unicode,
                     keys: chars("j") + [.enter, .character("G")]),
        SnapshotCase(name: "help-100x30-ascii", size: Size(width: 100, height: 30), glyphs: .ascii, keys: chars("?")),
        SnapshotCase(name: "too-small-30x8-unicode", size: Size(width: 30, height: 8), glyphs: .unicode, keys: []),
        // Grants: the manager's Expiring view, its "mine" filter, Break-glass's three sections, a revocation.
        SnapshotCase(name: "expiring-120x30-unicode", size: Size(width: 120, height: 30), glyphs: .unicode,
                     keys: chars("4"), grants: true),
        SnapshotCase(name: "expiring-mine-80x24-ascii", size: Size(width: 80, height: 24), glyphs: .ascii,
                     keys: chars("4m"), grants: true),
        SnapshotCase(name: "break-glass-review-120x30-unicode", size: Size(width: 120, height: 30), glyphs: .unicode,
                     keys: chars("3G"), grants: true),
        SnapshotCase(name: "revoke-100x30-unicode", size: Size(width: 100, height: 30), glyphs: .unicode,
                     keys: chars("4R") + chars("ticket closed"), grants: true),
    ]
}
