import Foundation
import SignoffCore
import SignoffJira
import Testing

@Suite struct JiraCommentTests {
    static let hostile = "x\u{1B}]0;owned\u{07} \u{202E}dorp [~accountid:123] {html}<b>{html} !http://evil/i.png! *bold* |cell|"

    static let comment = JiraComment([
        .paragraph([.text("Routed to "), .strong("dba"), .text(": "), .code("read_replica")]),
        .bullets([[.text("one")], [.text(hostile)]]),
    ])

    /// Cloud: Atlassian Document Format as the v3 comment endpoint documents it.
    @Test func adfShape() throws {
        let body = try #require(try JSONSerialization.jsonObject(with: Self.comment.requestBody(for: .cloud)) as? [String: Any])
        let doc = try #require(body["body"] as? [String: Any])
        #expect(doc["type"] as? String == "doc")
        #expect(doc["version"] as? Int == 1)
        let content = try #require(doc["content"] as? [[String: Any]])
        #expect(content.map { $0["type"] as? String } == ["paragraph", "bulletList"])
        let inline = try #require(content[0]["content"] as? [[String: Any]])
        #expect(inline.map { $0["type"] as? String } == ["text", "text", "text", "text"])
        #expect((inline[1]["marks"] as? [[String: Any]])?.first?["type"] as? String == "strong")
        #expect((inline[3]["marks"] as? [[String: Any]])?.first?["type"] as? String == "code")
        let items = try #require(content[1]["content"] as? [[String: Any]])
        #expect(items.map { $0["type"] as? String } == ["listItem", "listItem"])
        // Round trip through signoff's own ADF reader, and nothing raw survives.
        let text = try ADFText.plainText(try JSONDocument(Self.comment.requestBody(for: .cloud)).values[0]["body"]!, limit: 10_000)
        #expect(text.hasPrefix("Routed to dba: read_replica\n- one\n- x"))
        #expect(!text.unicodeScalars.contains { DisplaySafe.isUnsafe($0) && $0 != "\n" })
    }

    /// The body written byte by byte is the ADF document, value for value, for
    /// every kind of block and mark and for hostile text.
    @Test func theWrittenBodyIsTheADFDocument() throws {
        let refusal = TicketComments.refusal([
            TicketProblem(field: "entitlement", jiraField: "Entitlement", kind: .unknownValue, message: "\"x\" is not known",
                          valid: ["a", "b/c", "\u{7}"]),
        ].map(\.intake))
        for comment in [Self.comment, refusal, JiraComment([]), JiraComment([.paragraph([.text("")])])] {
            let parsed = try JSONSerialization.jsonObject(with: comment.requestBody(for: .cloud))
            #expect(try JSONSerialization.data(withJSONObject: parsed, options: [.sortedKeys])
                    == JSONSerialization.data(withJSONObject: ["body": comment.adf], options: [.sortedKeys]))
            let wiki = try JSONSerialization.jsonObject(with: comment.requestBody(for: .server)) as? [String: String]
            #expect(wiki == ["body": comment.wikiText])
        }
    }

    /// Blocks rendered once and placed into many comments (a page's route)
    /// give, byte for byte, the body of the comment with those blocks in
    /// place: at every position, for both formats, empty blocks included.
    @Test func blocksRenderedOnceGiveTheSameBody() throws {
        let blocks: [JiraComment.Block] = Self.comment.blocks + [.paragraph([]), .paragraph([.text("")]), .bullets([])]
        for deployment in JiraMapping.Deployment.allCases {
            for start in 0...blocks.count {
                for end in start...blocks.count {
                    let frame = JiraComment(Array(blocks[..<start] + blocks[end...]))
                    let rendered = JiraComment.RenderedBlocks(Array(blocks[start..<end]), for: deployment)
                    #expect(frame.requestBody(inserting: rendered, at: start) == JiraComment(blocks).requestBody(for: deployment),
                            "\(deployment) \(start)..<\(end)")
                }
            }
        }
    }

    /// A route comment is its frame (which request, which version) around its
    /// route (the part every request routed alike shares), and reads whole.
    @Test func aRouteCommentIsItsFrameAroundItsRoute() throws {
        let steps = [RoutedStep(name: "owners of payments-db", approvers: "owners", required: 2)]
        let routed = EventBody.RequestRouted(version: 2, policyVersion: "v", outcome: .steps(rule: "dba-two", steps: steps),
                                             cause: "ticket ACC-1 changed")
        var comment = TicketComments.routedFrame("REQ-7", routed)
        comment.blocks.insert(contentsOf: TicketComments.route(routed, eligible: [["dave", "erin"]]), at: TicketComments.routeIndex)
        #expect(comment.plainText == """
            signoff routed again this request as REQ-7 (version 2; ticket ACC-1 changed).

            Under the policy's rule dba-two it needs:

            - 2 approvals from owners of payments-db: dave, erin

            Approvals of earlier versions no longer count: approvers decide what they see.

            Approvers decide in signoff (signoff show REQ-7), never in this ticket; the decision is written back here.
            """)
        // The route depends on nothing of the request but what its key holds.
        let first = EventBody.RequestRouted(version: 1, policyVersion: "v", outcome: routed.outcome, cause: "submitted")
        #expect(TicketComments.RouteKey(first, eligible: [["dave"]]) != TicketComments.RouteKey(routed, eligible: [["dave"]]))
        #expect(TicketComments.RouteKey(routed, eligible: [["dave"]]) != TicketComments.RouteKey(routed, eligible: [["erin"]]))
        let third = EventBody.RequestRouted(version: 3, policyVersion: "w", outcome: routed.outcome, cause: "policy w applied")
        #expect(TicketComments.RouteKey(third, eligible: [["dave"]]) == TicketComments.RouteKey(routed, eligible: [["dave"]]))
        #expect(TicketComments.route(third, eligible: [["dave"]]) == TicketComments.route(routed, eligible: [["dave"]]))
    }

    /// Server: wiki text with every markup character escaped, so ticket text stays text.
    @Test func wikiEscaping() throws {
        let body = try #require(try JSONSerialization.jsonObject(with: Self.comment.requestBody(for: .server)) as? [String: Any])
        let text = try #require(body["body"] as? String)
        #expect(text.hasPrefix("Routed to *dba*: {{read\\_replica}}\n\n* one\n* x"))
        for escaped in [#"\[\~accountid:123\]"#, #"\{html\}<b>\{html\}"#, #"\!http://evil/i.png\!"#, #"\*bold\*"#, #"\|cell\|"#] {
            #expect(text.contains(escaped), "\(escaped) not escaped")
        }
        #expect(!text.unicodeScalars.contains { DisplaySafe.isUnsafe($0) && $0 != "\n" })
    }

    /// A refusal comment names every field to fix and the valid values.
    @Test func refusalComment() throws {
        let comment = TicketComments.refusal([
            TicketProblem(field: "entitlement", jiraField: "Entitlement (customfield_10073)", kind: .unknownValue,
                          message: "\"Superuser\" is not one of the values the mapping knows", valid: ["Read replica", "Schema migrate"]),
            TicketProblem(field: "duration", jiraField: nil, kind: .missing, message: "is empty; it is required"),
        ].map(\.intake))
        #expect(comment.plainText == """
        signoff did not create an access request from this ticket: 2 fields need attention. Nothing was approved or granted.

        - Entitlement (customfield_10073) (request field entitlement): "Superuser" is not one of the values the mapping knows. Valid: Read replica, Schema migrate
        - duration: is empty; it is required

        Correct the ticket's fields; signoff reads the ticket again when it changes.
        """)
    }

    /// A credential: where it is and what to do, never the value.
    @Test func secretComment() {
        let comment = TicketComments.refusal([
            TicketProblem(field: "purpose", jiraField: "Description (description)", kind: .secret,
                          message: "characters 12–31 look like an AWS access key"),
            TicketProblem(field: "system", jiraField: nil, kind: .missing, message: "is empty; it is required"),
        ].map(\.intake))
        #expect(comment.plainText.contains("Description (description): characters 12–31 look like an AWS access key"))
        #expect(comment.plainText.contains("rotate the credential now"))
        #expect(!comment.plainText.contains("system"), "a secret refusal lists the secret alone")
    }
}
