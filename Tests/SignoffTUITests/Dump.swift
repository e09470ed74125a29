import Foundation
import Testing
@testable import SignoffTUI

/// Renders the snapshot cases for review when SIGNOFF_SNAPSHOT_DUMP is set.
@Test func dumpSnapshotCases() {
    guard let path = ProcessInfo.processInfo.environment["SIGNOFF_SNAPSHOT_DUMP"] else { return }
    var out = ""
    for snapshotCase in SnapshotCase.all {
        let grid = snapshotCase.render()
        out += "=== \(snapshotCase.name)\n\(grid.framed)\n--- roles\n\(grid.roleMap)\n=== end\n"
    }
    try? out.write(toFile: path, atomically: true, encoding: .utf8)
}
