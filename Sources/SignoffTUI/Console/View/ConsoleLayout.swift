/// A rectangle of cells.
public struct Rect: Sendable, Hashable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The rectangle inside a one-cell border.
    var inner: Rect { Rect(x: x + 1, y: y + 1, width: max(0, width - 2), height: max(0, height - 2)) }
}

/// Where everything goes for a terminal size. Shared by `view` (to draw) and
/// `update` (to know how far a page is), so both agree on every row.
public struct ConsoleLayout: Sendable, Hashable {
    public static let minimumSize = Size(width: 40, height: 12)
    /// List and detail side by side from this width on; stacked below it.
    public static let sideBySideWidth = 120
    /// Below this height a stacked layout shows only the focused pane.
    static let stackedBothHeight = 24

    public let size: Size
    public let tooSmall: Bool
    public let headerY: Int
    public let body: Rect
    public let list: Rect?
    public let detail: Rect?
    public let statusY: Int
    public let footerY: Int

    public init(size: Size, focus: ConsoleFocus) {
        self.size = size
        tooSmall = size.width < ConsoleLayout.minimumSize.width || size.height < ConsoleLayout.minimumSize.height
        headerY = 0
        body = Rect(x: 0, y: 1, width: size.width, height: max(0, size.height - 3))
        statusY = size.height - 2
        footerY = size.height - 1
        if size.width >= ConsoleLayout.sideBySideWidth {
            let listWidth = size.width * 11 / 20
            list = Rect(x: 0, y: body.y, width: listWidth, height: body.height)
            detail = Rect(x: listWidth, y: body.y, width: size.width - listWidth, height: body.height)
        } else if size.height >= ConsoleLayout.stackedBothHeight {
            let listHeight = max(6, body.height * 2 / 5)
            list = Rect(x: 0, y: body.y, width: size.width, height: listHeight)
            detail = Rect(x: 0, y: body.y + listHeight, width: size.width, height: body.height - listHeight)
        } else if focus == .list {
            list = body
            detail = nil
        } else {
            list = nil
            detail = body
        }
    }

    /// Requests visible at once in the list (box minus borders and column header).
    public var listRows: Int { max(1, (list?.height ?? body.height) - 3) }

    /// Lines visible at once in the detail.
    public var detailRows: Int { max(1, (detail?.height ?? body.height) - 2) }

    public var detailWidth: Int { max(1, (detail?.width ?? body.width) - 2) }
}
