import Testing
@testable import SignoffTUI

/// Whole-screen snapshots: the text as an approver would read it, and a map of
/// the roles each cell carries (legend in Support.swift), one file per case
/// in `Snapshots/`. Rendered once and checked by eye; a change here is a
/// change the approver would see. `SIGNOFF_RECORD_SNAPSHOTS=1` rewrites them.
@Suite struct ViewSnapshotTests {
    @Test(arguments: SnapshotCase.all.map(\.name))
    func snapshot(_ name: String) {
        expectSnapshot(name)
    }
}
