import Foundation

/// Atlassian Document Format (Jira Cloud's v3 rich text) as plain text.
///
/// The walk keeps its own stack, so a document nested thousands deep costs
/// memory, not the thread's stack; a document deeper than any editor writes is
/// refused, and output stops as soon as it is longer than the field allows, so
/// a fifty-megabyte description is never copied whole.
public enum ADFText {
    /// Nesting beyond this is no document a person wrote in Jira's editor
    /// (tables in lists in panels stay under twenty levels).
    public static let maximumDepth = 100

    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// Nested deeper than `maximumDepth`.
        case tooDeep(depth: Int)
        /// Longer than the limit asked for, in characters (reading stopped there).
        case tooLong(limit: Int)
        /// Not an ADF document: no `type: doc`.
        case notADF
        /// A string in it is not text (invalid UTF-8, a lone surrogate).
        case invalidText(String)

        public var description: String {
            switch self {
            case let .tooDeep(depth):
                "is a rich-text document nested more than \(depth) levels deep; no editor writes that, so it is not read"
            case let .tooLong(limit):
                "is longer than \(limit) characters"
            case .notADF:
                "is neither text nor an Atlassian Document Format document"
            case let .invalidText(detail):
                "holds text that cannot be read (\(detail))"
            }
        }
    }

    /// Whether the value looks like an ADF document (`{"type": "doc", ...}`).
    public static func isDocument(_ value: JSONValue) -> Bool {
        value.kind == .object && value["type"]?.stringValue == "doc"
    }

    private enum Work {
        case node(JSONValue, depth: Int, indent: String, prefix: String)
        case literal(String)
        case endBlock
    }

    /// The document's text: blocks on their own lines, list items with `- ` or
    /// `1. `, table cells separated by ` | `, links followed by their address.
    public static func plainText(_ document: JSONValue, limit: Int) throws(Failure) -> String {
        guard isDocument(document) else { throw .notADF }
        var output = Output(limit: limit)
        var work: [Work] = [.node(document, depth: 1, indent: "", prefix: "")]
        while let item = work.popLast() {
            switch item {
            case let .literal(text):
                try output.append(text)
            case .endBlock:
                try output.endLine()
            case let .node(node, depth, indent, prefix):
                guard depth <= maximumDepth else { throw .tooDeep(depth: maximumDepth) }
                guard node.kind == .object else { continue }
                let type = node["type"]?.stringValue ?? ""
                let attrs = node["attrs"]
                let children = node["content"]?.elements ?? []
                func push(_ items: [JSONValue], indent childIndent: String = indent,
                          prefix childPrefix: (Int) -> String = { _ in "" }) {
                    for (index, child) in items.enumerated().reversed() {
                        work.append(.node(child, depth: depth + 1, indent: childIndent, prefix: childPrefix(index)))
                    }
                }
                func block(_ lead: String = "") throws(Failure) {
                    try output.startLine(indent: indent, lead: prefix + lead)
                    work.append(.endBlock)
                }
                switch type {
                case "text":
                    try output.append(try text(node["text"]))
                    if let href = linkTarget(node), href != (try? text(node["text"])) {
                        try output.append(" (\(href))")
                    }
                case "hardBreak":
                    try output.endLine()
                    try output.startLine(indent: indent, lead: "")
                case "mention", "status", "placeholderText":
                    try output.append(try text(attrs?["text"]) )
                case "emoji":
                    let shown = try text(attrs?["text"])
                    try output.append(shown.isEmpty ? try text(attrs?["shortName"]) : shown)
                case "inlineCard", "blockCard", "embedCard":
                    try output.append(try text(attrs?["url"]))
                case "date":
                    if let ms = attrs?["timestamp"].flatMap({ $0.stringValue.flatMap(Int64.init) ?? $0.integerValue }),
                       let date = JiraDate.epochMilliseconds(ms) {
                        try output.append(date.formatted(.iso8601.year().month().day()))
                    }
                case "placeholder":
                    continue // the editor's hint for an empty field, not content
                case "media", "mediaInline", "mediaGroup", "mediaSingle":
                    try output.append("[attachment]")
                case "rule":
                    try block("---")
                case "bulletList", "taskList", "decisionList":
                    push(children) { _ in type == "bulletList" ? "- " : "" }
                case "orderedList":
                    let first = attrs?["order"]?.integerValue ?? 1
                    push(children) { "\(first.addingReportingOverflow(Int64($0)).overflow ? first : first + Int64($0)). " }
                case "listItem", "taskItem", "decisionItem":
                    var lead = ""
                    if type == "taskItem" { lead = attrs?["state"]?.stringValue == "DONE" ? "[x] " : "[ ] " }
                    try output.startLine(indent: indent, lead: prefix + lead)
                    // The first block continues the item's line; later ones are indented under it.
                    output.continuesLine = true
                    work.append(.endBlock)
                    push(children, indent: indent + "  ")
                case "table":
                    push(children)
                case "tableRow":
                    try block()
                    for (index, cell) in children.enumerated().reversed() {
                        work.append(.node(cell, depth: depth + 1, indent: "", prefix: ""))
                        if index > 0 { work.append(.literal(" | ")) }
                    }
                case "tableCell", "tableHeader":
                    // Cells stay on their row's line: their blocks are joined by spaces.
                    for (index, child) in children.enumerated().reversed() {
                        work.append(.node(child, depth: depth + 1, indent: "", prefix: "inline"))
                        if index > 0 { work.append(.literal(" ")) }
                    }
                case "expand", "nestedExpand":
                    try block(try text(attrs?["title"]))
                    push(children)
                default:
                    // paragraph, heading, codeBlock, blockquote, panel, doc, and
                    // anything newer: its text, on lines of its own.
                    if prefix == "inline" {
                        push(children, prefix: { _ in "inline" })
                    } else if type == "doc" || children.isEmpty && node["text"] == nil {
                        push(children)
                    } else {
                        try block(type == "blockquote" ? "> " : "")
                        // A quote's first block continues the "> " line.
                        if type == "blockquote" { output.continuesLine = true }
                        push(children)
                    }
                }
            }
        }
        return output.finished()
    }

    private static func text(_ value: JSONValue?) throws(Failure) -> String {
        guard let value else { return "" }
        do throws(JSONTextError) { return try value.string() ?? "" } catch { throw .invalidText(error.message) }
    }

    private static func linkTarget(_ node: JSONValue) -> String? {
        for mark in node["marks"]?.elements ?? [] where mark["type"]?.stringValue == "link" {
            return mark["attrs"]?["href"]?.stringValue
        }
        return nil
    }

    /// The text being built, counted as it grows so a huge document stops early.
    private struct Output {
        let limit: Int
        var text = ""
        var scalars = 0
        var atLineStart = true
        /// A list item's marker was written: its first block goes on the same line.
        var continuesLine = false

        init(limit: Int) { self.limit = limit }

        mutating func append(_ piece: String) throws(Failure) {
            guard !piece.isEmpty else { return }
            text += piece
            scalars += piece.unicodeScalars.count
            atLineStart = false
            continuesLine = false
            // Stop once clearly over: line breaks between blocks may still be
            // trimmed, so the caller checks the exact length of what comes back.
            if scalars > limit + 64 { throw .tooLong(limit: limit) }
        }

        mutating func startLine(indent: String, lead: String) throws(Failure) {
            if lead == "inline" { return }
            if continuesLine { continuesLine = false; return }
            if !atLineStart { try endLine() }
            if !(indent + lead).isEmpty { try append(indent + lead) }
        }

        mutating func endLine() throws(Failure) {
            continuesLine = false
            if text.isEmpty || text.hasSuffix("\n") { atLineStart = true; return }
            try append("\n")
            atLineStart = true
        }

        func finished() -> String {
            var result = Substring(text)
            while result.last?.isNewline == true || result.last == " " { result = result.dropLast() }
            return String(result)
        }
    }
}
