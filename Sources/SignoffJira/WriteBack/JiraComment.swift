import Foundation
import SignoffCore

/// A comment signoff writes on a ticket, as structure: written out as Atlassian
/// Document Format for Jira Cloud (REST v3) and as wiki text for Server and
/// Data Center (REST v2).
///
/// Every piece of text is made display-safe (no control or bidi characters),
/// and in wiki text Jira's markup characters are escaped, so a value from a
/// ticket cannot turn into a macro, a link, an image or a mention of someone.
public struct JiraComment: Sendable, Hashable {
    public enum Inline: Sendable, Hashable {
        case text(String)
        case strong(String)
        /// An identifier or value, shown as code.
        case code(String)
    }

    public enum Block: Sendable, Hashable {
        case paragraph([Inline])
        case bullets([[Inline]])
    }

    public var blocks: [Block]

    public init(_ blocks: [Block]) { self.blocks = blocks }

    /// The body of `POST /rest/api/N/issue/{key}/comment`, keys sorted.
    /// Written straight to bytes: every routed, decided or refused ticket gets
    /// one in its import's transaction, and building it as dictionaries for
    /// `JSONSerialization` cost more than the rest of the import of a ticket.
    public func requestBody(for deployment: JiraMapping.Deployment) -> Data {
        requestBody(for: deployment, inserting: nil, at: 0)
    }

    /// Blocks written out once for many comments (the route every request
    /// routed alike hears): placed into a comment by `requestBody(for:inserting:at:)`,
    /// they give the same bytes as the comment with those blocks in place.
    public struct RenderedBlocks: Sendable {
        public let deployment: JiraMapping.Deployment
        /// ADF: the blocks' nodes, comma separated. Wiki text: each block's text.
        let adf: [UInt8]
        let wiki: [String]
        let isEmpty: Bool

        public init(_ blocks: [Block], for deployment: JiraMapping.Deployment) {
            self.deployment = deployment
            isEmpty = blocks.isEmpty
            switch deployment {
            case .cloud:
                var json = CanonicalJSON.Writer(capacity: 512)
                for block in blocks { JiraComment.writeADF(block, &json) }
                adf = json.bytes
                wiki = []
            case .server:
                adf = []
                wiki = blocks.map(JiraComment.wiki)
            }
        }
    }

    /// The body of this comment with `rendered` placed before block `index`
    /// (after the last at `blocks.count`), rendered for its deployment.
    public func requestBody(inserting rendered: RenderedBlocks, at index: Int) -> Data {
        requestBody(for: rendered.deployment, inserting: rendered, at: index)
    }

    private func requestBody(for deployment: JiraMapping.Deployment, inserting rendered: RenderedBlocks?, at index: Int) -> Data {
        var json = CanonicalJSON.Writer(capacity: 1024)
        json.beginObject()
        json.key("body")
        let inserted = rendered.flatMap { $0.isEmpty ? nil : $0 }
        switch deployment {
        case .cloud:
            json.beginObject()
            json.key("content")
            json.beginArray()
            for (position, block) in blocks.enumerated() {
                if position == index, let inserted { json.raw(inserted.adf) }
                Self.writeADF(block, &json)
            }
            if index >= blocks.count, let inserted { json.raw(inserted.adf) }
            json.endArray()
            json.key("type"); json.string("doc")
            json.key("version"); json.int(1)
            json.endObject()
        case .server:
            var pieces = blocks.map(Self.wiki)
            if let inserted { pieces.insert(contentsOf: inserted.wiki, at: min(index, pieces.count)) }
            json.string(pieces.joined(separator: "\n\n"))
        }
        json.endObject()
        return Data(json.bytes)
    }

    /// One block as an ADF node (keys sorted).
    static func writeADF(_ block: Block, _ json: inout CanonicalJSON.Writer) {
        func inline(_ piece: Inline) {
            json.beginObject()
            switch piece {
            case let .text(text):
                json.key("text"); json.string(Self.safe(text))
            case let .strong(text), let .code(text):
                json.key("marks")
                json.beginArray()
                json.beginObject()
                json.key("type")
                if case .strong = piece { json.string("strong") } else { json.string("code") }
                json.endObject()
                json.endArray()
                json.key("text"); json.string(Self.safe(text))
            }
            json.key("type"); json.string("text")
            json.endObject()
        }
        func paragraph(_ pieces: [Inline]) {
            json.beginObject()
            json.key("content")
            json.beginArray()
            for piece in pieces where !Self.isEmpty(piece) { inline(piece) }
            json.endArray()
            json.key("type"); json.string("paragraph")
            json.endObject()
        }
        switch block {
        case let .paragraph(pieces):
            paragraph(pieces)
        case let .bullets(items):
            json.beginObject()
            json.key("content")
            json.beginArray()
            for item in items {
                json.beginObject()
                json.key("content")
                json.beginArray()
                paragraph(item)
                json.endArray()
                json.key("type"); json.string("listItem")
                json.endObject()
            }
            json.endArray()
            json.key("type"); json.string("bulletList")
            json.endObject()
        }
    }

    /// The comment as an ADF document (`{"type": "doc", "version": 1, ...}`).
    public var adf: [String: Any] {
        func inline(_ piece: Inline) -> [String: Any] {
            switch piece {
            case let .text(text): ["type": "text", "text": Self.safe(text)]
            case let .strong(text): ["type": "text", "text": Self.safe(text), "marks": [["type": "strong"]]]
            case let .code(text): ["type": "text", "text": Self.safe(text), "marks": [["type": "code"]]]
            }
        }
        func paragraph(_ pieces: [Inline]) -> [String: Any] {
            ["type": "paragraph", "content": pieces.filter { !Self.isEmpty($0) }.map(inline)]
        }
        let content: [[String: Any]] = blocks.map { block in
            switch block {
            case let .paragraph(pieces):
                return paragraph(pieces)
            case let .bullets(items):
                return ["type": "bulletList", "content": items.map { ["type": "listItem", "content": [paragraph($0)]] }]
            }
        }
        return ["type": "doc", "version": 1, "content": content]
    }

    /// The comment in Jira's wiki markup, every markup character escaped.
    public var wikiText: String {
        blocks.map(Self.wiki).joined(separator: "\n\n")
    }

    /// One block in Jira's wiki markup.
    static func wiki(_ block: Block) -> String {
        func inline(_ piece: Inline) -> String {
            switch piece {
            case let .text(text): Self.wikiEscape(Self.safe(text))
            case let .strong(text): "*" + Self.wikiEscape(Self.safe(text)) + "*"
            case let .code(text): "{{" + Self.wikiEscape(Self.safe(text)) + "}}"
            }
        }
        switch block {
        case let .paragraph(pieces): return pieces.map(inline).joined()
        case let .bullets(items): return items.map { "* " + $0.map(inline).joined() }.joined(separator: "\n")
        }
    }

    /// The comment as plain text (for `--check` and for tests).
    public var plainText: String {
        func inline(_ piece: Inline) -> String {
            switch piece {
            case let .text(text), let .strong(text), let .code(text): Self.safe(text)
            }
        }
        return blocks.map { block in
            switch block {
            case let .paragraph(pieces): pieces.map(inline).joined()
            case let .bullets(items): items.map { "- " + $0.map(inline).joined() }.joined(separator: "\n")
            }
        }.joined(separator: "\n\n")
    }

    static func safe(_ text: String) -> String { DisplaySafe.text(text, keepNewlines: false) }

    static func isEmpty(_ piece: Inline) -> Bool {
        switch piece {
        case let .text(text), let .strong(text), let .code(text): text.isEmpty
        }
    }

    /// Jira wiki markup treats these as formatting, links, macros, images,
    /// tables and mentions; a backslash makes each one plain.
    static let wikiSpecial: Set<Character> = ["\\", "*", "_", "+", "-", "^", "~", "?", "#", "{", "}", "[", "]", "!", "|", "@"]

    static func wikiEscape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.count)
        for character in text {
            if wikiSpecial.contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
