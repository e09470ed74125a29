import Foundation
@testable import SignoffCore
import Testing

/// The hand-written canonical JSON against the Foundation encoder and decoder it
/// replaces: same bytes, and read back by the reference decoder to equal values.
@Suite struct CanonicalJSONTests {
    /// Deterministic, so a failure reproduces.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let hostile: [String] = [
        "", "plain", "quote \" inside", "back\\slash", "slash / and \\/", "new\nline\ttab\r\u{8}\u{c}",
        "\u{0}\u{1}\u{1f}\u{7f}", "é café naïve", "日本語", "emoji 😀👩‍👩‍👧", "\u{2028}\u{2029}", "e\u{301}",
        "\u{1b}[31mred\u{1b}[0m", "}{][\":,", "trailing space ", String(repeating: "long ", count: 300),
        "\u{FEFF}bom", "\u{10FFFF}", "\u{E000}private", "-12", "null", "true",
    ]

    struct Fuzz {
        var generator: Generator

        mutating func string() -> String {
            if Int.random(in: 0..<3, using: &generator) == 0 { return "plain-\(Int.random(in: 0..<1000, using: &generator))" }
            if Int.random(in: 0..<4, using: &generator) == 0 {
                // Random scalars across the ranges that need care.
                var text = ""
                for _ in 0..<Int.random(in: 0..<12, using: &generator) {
                    let ranges: [ClosedRange<UInt32>] = [0...0x7F, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF]
                    let range = ranges.randomElement(using: &generator)!
                    if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &generator)) {
                        text.unicodeScalars.append(scalar)
                    }
                }
                return text
            }
            return CanonicalJSONTests.hostile.randomElement(using: &generator)!
        }

        mutating func optional() -> String? { Bool.random(using: &generator) ? string() : nil }
        mutating func int() -> Int {
            [0, 1, -1, 7, 42, Int.max, Int.min, Int.random(in: -1_000_000...1_000_000, using: &generator)]
                .randomElement(using: &generator)!
        }
        /// A number from `range`, its ends included: what a store holds where
        /// signoff counts with the number (`StoredBounds`, `TimeSpan.storable`).
        mutating func int(in range: ClosedRange<Int>) -> Int {
            [range.lowerBound, range.upperBound, min(range.upperBound, 7), Int.random(in: range, using: &generator)]
                .randomElement(using: &generator)!
        }
        mutating func date() -> Date {
            EventCoding.storedPrecision(Date(timeIntervalSince1970: Double.random(in: -1e9...4e9, using: &generator)))
        }
        mutating func optionalDate() -> Date? { Bool.random(using: &generator) ? date() : nil }
        mutating func principal() -> Principal {
            Principal(name: string(), authentication: [.osAccount, .asserted, .policy, .system].randomElement(using: &generator)!)
        }
        mutating func verdict() -> Verdict { Bool.random(using: &generator) ? .approve : .deny }
        mutating func state() -> RequestState { RequestState.allCases.randomElement(using: &generator)! }
        mutating func strings() -> [String] { (0..<Int.random(in: 0..<4, using: &generator)).map { _ in string() } }

        mutating func request() -> AccessRequest {
            var labels: [String: String] = [:]
            for _ in 0..<Int.random(in: 0..<6, using: &generator) { labels[string()] = string() }
            return AccessRequest(
                requester: optional(),
                subject: Subject(kind: IdentityKind.allCases.randomElement(using: &generator)!, name: string(), owner: string()),
                system: string(), environment: string(), entitlement: string(), scope: optional(),
                access: AccessLevel.allCases.randomElement(using: &generator)!, purpose: string(),
                duration: span(), start: optionalDate(), end: optionalDate(),
                revocationTriggers: (0..<Int.random(in: 0..<3, using: &generator)).map { _ in
                    RevocationTrigger(name: string(), ref: string())
                },
                ticket: optional(), breakGlass: Bool.random(using: &generator), incident: optional(),
                labels: labels, notes: optional(), extends: optional())
        }

        mutating func optionalBool() -> Bool? { Bool.random(using: &generator) ? Bool.random(using: &generator) : nil }
        mutating func span() -> TimeSpan { TimeSpan(seconds: int(in: TimeSpan.storable)) }
        mutating func action() -> HandOffAction { HandOffAction.allCases.randomElement(using: &generator)! }
        mutating func trigger() -> RevocationTrigger { RevocationTrigger(name: string(), ref: string()) }
        mutating func ticket() -> TicketRef { TicketRef(source: string(), site: string(), issueID: string(), key: string()) }

        mutating func terms() -> GrantTerms {
            GrantTerms(requester: string(),
                       subject: Subject(kind: IdentityKind.allCases.randomElement(using: &generator)!, name: string(), owner: string()),
                       system: string(), environment: string(), entitlement: string(), scope: optional(),
                       access: AccessLevel.allCases.randomElement(using: &generator)!,
                       revocationTriggers: (0..<Int.random(in: 0..<3, using: &generator)).map { _ in trigger() },
                       ticket: optional(), incident: optional(), breakGlass: Bool.random(using: &generator))
        }

        mutating func grantBody() -> EventBody {
            switch Int.random(in: 0..<23, using: &generator) {
            case 0:
                .grantIssued(.init(terms: terms(), approvers: strings(), policyVersion: string(), duration: span(),
                                   startsAt: optionalDate(), expiresAt: optionalDate(), endsBy: optionalDate(),
                                   selfActivated: Bool.random(using: &generator),
                                   incidentReview: Bool.random(using: &generator) ? .init(reviewers: string(), dueAt: date()) : nil))
            case 1: .grantHandedOff(.init(action: action(), via: string(), document: string()))
            case 2: .grantProvisioned(.init(action: action(), note: optional()))
            case 3: .grantProvisioningFailed(.init(action: action(), reason: string()))
            case 4: .grantExpired(.init(expiresAt: date()))
            case 5: .grantRevoked(.init(rationale: string(), trigger: Bool.random(using: &generator) ? trigger() : nil))
            case 6: .grantExtended(.init(extensionID: string(), by: span(), expiresAt: optionalDate()))
            case 7: .incidentReviewCompleted(.init(rationale: string()))
            case 8: .storeCreated(.init(trustAssertedIdentities: Bool.random(using: &generator), shareGroup: optional(),
                                        migrations: strings()))
            case 9: .settingsChanged(.init(trustAssertedIdentities: Bool.random(using: &generator), shareGroup: optional()))
            case 10: .schemaMigrated(.init(migrations: strings()))
            case 11: reconciliationRun()
            case 12: findingOpened()
            case 13: .findingResolved(.init(findingID: string(), run: int()))
            case 14: .findingExcepted(.init(findingID: string(), rationale: string(), until: date()))
            case 15: .requestRevised(.init(request: request(), cause: string()))
            case 16: .ticketLinked(.init(ticket: ticket(), updated: optionalDate(), editedBy: optional()))
            case 17:
                .intakeRefused(.init(ticket: ticket(), problems: (0..<Int.random(in: 0..<3, using: &generator)).map { _ in
                    IntakeProblem(field: string(), sourceField: optional(), kind: string(), message: string(), valid: strings())
                }, fingerprint: string(), updated: optionalDate()))
            case 18:
                .writeBackConfigured(.init(source: string(), site: string(), settings: TicketWriteBackSettings(
                    format: string(), comments: Bool.random(using: &generator),
                    transitions: Dictionary(strings().map { ($0, string()) }, uniquingKeysWith: { first, _ in first }))))
            case 19:
                .findingRemovalRequested(.init(findingID: string(), rationale: string(), terms: .init(
                    kind: FindingKind.allCases.randomElement(using: &generator)!, system: string(), environment: string(),
                    instance: optional(), subjectKind: string(), subject: string(), owner: optional(), entitlement: optional(),
                    grantType: optional(), platformObject: optional(), native: optional(), scope: string(),
                    access: Bool.random(using: &generator) ? AccessLevel.allCases.randomElement(using: &generator)! : nil,
                    sourceIDs: strings(), requestID: optional())))
            case 20: .removalHandedOff(.init(findingID: string(), via: string(), document: string()))
            case 21: .removalHandOffFailed(.init(findingID: string(), reason: string()))
            default:
                .handOffConfigured(.init(outbox: optional(), command: optional(),
                                         timeoutSeconds: Bool.random(using: &generator) ? int() : nil))
            }
        }

        mutating func reconciliationRun() -> EventBody {
            .reconciliationRun(.init(
                source: string(),
                files: (0..<Int.random(in: 0..<3, using: &generator)).map { _ in .init(name: string(), sha256: string(), bytes: int()) },
                covered: (0..<Int.random(in: 0..<3, using: &generator)).map { _ in
                    .init(system: string(), environment: string(), instance: optional(),
                          grantTypes: Bool.random(using: &generator) ? strings() : nil, scopes: string(), credentials: string())
                },
                counts: .init(observations: int(), credentials: int(), ignored: int(), matched: int(), awaitingRemoval: int(),
                              findings: int(), opened: int(), seenAgain: int(), resolved: int()),
                grantsPresent: strings(), grantsAbsent: strings(), findingsSeen: strings()))
        }

        mutating func findingOpened() -> EventBody {
            .findingOpened(.init(
                findingID: string(), kind: FindingKind.allCases.randomElement(using: &generator)!, run: int(), system: string(),
                environment: string(), subjectKind: string(), subject: string(), owner: optional(), entitlement: optional(),
                grantType: optional(), native: optional(), scope: string(),
                access: Bool.random(using: &generator) ? AccessLevel.allCases.randomElement(using: &generator)! : nil,
                requestID: optional(), credentialID: optional(), summary: string(),
                evidence: (0..<Int.random(in: 0..<3, using: &generator)).map { _ in .init(sourceID: string(), text: string(), observedAt: date()) }))
        }

        mutating func outcome() -> RouteOutcome {
            switch Int.random(in: 0..<4, using: &generator) {
            case 0:
                .steps(rule: string(), steps: (0..<Int.random(in: 0..<4, using: &generator)).map { _ in
                    RoutedStep(name: string(), approvers: string(), required: int(in: StoredBounds.approvals))
                })
            case 1: .denied((0..<Int.random(in: 0..<3, using: &generator)).map { _ in DenyMatch(rule: string(), reason: string()) })
            case 2: .autoApproved(rule: string())
            default: .unroutable(reason: string())
            }
        }

        mutating func body() -> EventBody {
            switch Int.random(in: 0..<9, using: &generator) {
            case 7, 8: grantBody()
            case 0: .policyApplied(.init(version: string(), previousVersion: optional(), file: string(), source: string()))
            case 1: .requestSubmitted(.init(request: request()))
            case 2: .requestRouted(.init(version: int(in: StoredBounds.versions), policyVersion: string(), outcome: outcome(), cause: string()))
            case 3: .reviewRecorded(.init(verdict: verdict(), rationale: string(), requestVersion: int(), policyVersion: string()))
            case 4:
                .reviewRefused(.init(verdict: Bool.random(using: &generator) ? verdict() : nil,
                                     reason: [.selfApproval, .notEligible, .alreadyReviewed, .alreadyDecided, .staleVersion,
                                              .rationaleTooShort, .notRequester].randomElement(using: &generator)!,
                                     message: string(), shownVersion: Bool.random(using: &generator) ? int() : nil,
                                     currentVersion: int()))
            case 5: .requestDecided(.init(state: state(), by: strings(), policyVersion: optional(), reason: string(),
                                          selfActivated: optionalBool()))
            case 6 where Bool.random(using: &generator):
                .actionRefused(.init(action: AttemptedAction.allCases.randomElement(using: &generator)!,
                                     reason: [.notEligible, .notActive, .tooEarly, .rationaleTooShort].randomElement(using: &generator)!,
                                     message: string()))
            default: .requestWithdrawn(.init(rationale: optional()))
            }
        }

        mutating func record() -> RequestRecord {
            var record = RequestRecord(id: string(), request: request(), submittedBy: principal(), submittedAt: date())
            record.version = int(in: StoredBounds.versions)
            record.state = state()
            record.route = Bool.random(using: &generator) ? outcome() : nil
            record.policyVersion = optional()
            record.reviews = (0..<Int.random(in: 0..<4, using: &generator)).map { _ in
                Review(reviewer: principal(), verdict: verdict(), rationale: string(), at: date(),
                       requestVersion: int(), policyVersion: string())
            }
            if Bool.random(using: &generator) {
                record.decision = Decision(state: state(), at: date(), by: strings(), policyVersion: optional(), reason: string(),
                                           selfActivated: optionalBool())
            }
            if Bool.random(using: &generator) { record.editors = strings() }
            return record
        }
    }

    static func foundation<T: Encodable>(_ value: T) throws -> [UInt8] {
        [UInt8](try EventCoding.encoder.encode(value))
    }

    static func foundation(_ body: EventBody) throws -> [UInt8] {
        switch body {
        case let .policyApplied(p): try foundation(p)
        case let .requestSubmitted(p): try foundation(p)
        case let .requestRouted(p): try foundation(p)
        case let .reviewRecorded(p): try foundation(p)
        case let .reviewRefused(p): try foundation(p)
        case let .actionRefused(p): try foundation(p)
        case let .requestDecided(p): try foundation(p)
        case let .requestWithdrawn(p): try foundation(p)
        case let .grantIssued(p): try foundation(p)
        case let .grantHandedOff(p): try foundation(p)
        case let .grantProvisioned(p): try foundation(p)
        case let .grantProvisioningFailed(p): try foundation(p)
        case let .grantExpired(p): try foundation(p)
        case let .grantRevoked(p): try foundation(p)
        case let .grantExtended(p): try foundation(p)
        case let .incidentReviewCompleted(p): try foundation(p)
        case let .handOffConfigured(p): try foundation(p)
        case let .storeCreated(p): try foundation(p)
        case let .settingsChanged(p): try foundation(p)
        case let .schemaMigrated(p): try foundation(p)
        case let .reconciliationRun(p): try foundation(p)
        case let .findingOpened(p): try foundation(p)
        case let .findingResolved(p): try foundation(p)
        case let .findingExcepted(p): try foundation(p)
        case let .findingRemovalRequested(p): try foundation(p)
        case let .removalHandedOff(p): try foundation(p)
        case let .removalHandOffFailed(p): try foundation(p)
        case let .requestRevised(p): try foundation(p)
        case let .ticketLinked(p): try foundation(p)
        case let .intakeRefused(p): try foundation(p)
        case let .writeBackConfigured(p): try foundation(p)
        }
    }

    @Test func eventPayloadsRoundTripAndMatchTheFoundationEncoder() throws {
        var fuzz = Fuzz(generator: Generator(state: 20_250_101))
        for _ in 0..<3000 {
            let body = fuzz.body()
            let bytes = CanonicalJSON.encode(body)
            #expect(try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) is [String: Any])
            #expect(try EventBody.decode(kind: body.kind, payload: Data(bytes)) == body)
            #expect(bytes == (try Self.foundation(body)), "\(String(decoding: bytes, as: UTF8.self))")
            #expect(body.encodedPayload() == Data(bytes))
        }
    }

    @Test func recordsRoundTripAndMatchTheFoundationEncoder() throws {
        var fuzz = Fuzz(generator: Generator(state: 77))
        for _ in 0..<2000 {
            let record = fuzz.record()
            let bytes = CanonicalJSON.encode(record)
            #expect(try EventCoding.decoder.decode(RequestRecord.self, from: Data(bytes)) == record)
            #expect(bytes == (try Self.foundation(record)), "\(String(decoding: bytes, as: UTF8.self))")
        }
    }

    /// The record with its request spliced in, and its route where the
    /// route column takes it from: the same bytes as each encoded alone.
    @Test func aRecordsRouteAndSplicedRequestAreTheBytesEncodedAlone() {
        var fuzz = Fuzz(generator: Generator(state: 20_261_203))
        var routed = 0
        for _ in 0..<2000 {
            let record = fuzz.record()
            let whole = CanonicalJSON.encode(record)
            for requestJSON in [nil, CanonicalJSON.encode(record.request)] {
                let (bytes, route) = CanonicalJSON.encodeRecord(record, requestJSON: requestJSON)
                #expect(bytes == whole)
                if let outcome = record.route {
                    routed += 1
                    #expect(route.map { Array(bytes[$0]) } == CanonicalJSON.encodeRoute(outcome))
                } else {
                    #expect(route == nil)
                }
            }
        }
        #expect(routed > 0)
    }

    @Test func everyRouteOutcomeCaseAndEmptyCollections() throws {
        let outcomes: [RouteOutcome] = [
            .steps(rule: "owners", steps: []),
            .steps(rule: "two", steps: [RoutedStep(name: "a", approvers: "owners", required: 1),
                                        RoutedStep(name: "b \"q\"", approvers: "group:dba", required: 2)]),
            .denied([]), .denied([DenyMatch(rule: "r", reason: "no\nway")]),
            .autoApproved(rule: "low-risk"), .unroutable(reason: "no rule matched"),
        ]
        for outcome in outcomes {
            let body = EventBody.requestRouted(.init(version: 3, policyVersion: "v", outcome: outcome, cause: "submitted"))
            let bytes = CanonicalJSON.encode(body)
            #expect(try EventBody.decode(kind: body.kind, payload: Data(bytes)) == body)
            #expect(bytes == (try Self.foundation(body)))
        }
        let withdrawn = EventBody.requestWithdrawn(.init(rationale: nil))
        #expect(String(decoding: CanonicalJSON.encode(withdrawn), as: UTF8.self) == "{}")
    }

    @Test func labelsAreWrittenInKeyOrder() {
        var request = Sample.request()
        request.labels = ["b": "2", "a10": "3", "a9": "4", "Z": "5", "é": "6", "_": "7"]
        let text = String(decoding: CanonicalJSON.encode(EventBody.requestSubmitted(.init(request: request))), as: UTF8.self)
        #expect(text.contains(#""labels":{"Z":"5","_":"7","a10":"3","a9":"4","b":"2","é":"6"}"#))
    }

    @Test func theFastReaderReadsWhatTheReferenceReads() throws {
        var fuzz = Fuzz(generator: Generator(state: 4242))
        for _ in 0..<2000 {
            let body = fuzz.body()
            let bytes = CanonicalJSON.encode(body)
            let fast = bytes.withUnsafeBytes { CanonicalJSON.decodeBody(kind: body.kind, payload: $0) }
            #expect(fast == body)
            #expect(try EventBody.read(kind: body.kind, payload: Data(bytes)) == body)
            let record = fuzz.record()
            let recordBytes = CanonicalJSON.encode(record)
            #expect(recordBytes.withUnsafeBytes { CanonicalJSON.decodeRecord($0) } == record)
        }
    }

    /// The writer's own bytes of records and of the events of a request's and
    /// a grant's life are read by `Pull`, member by member, with no tree of
    /// values: to the same values.
    @Test func thePullReaderReadsTheWritersBytes() throws {
        var fuzz = Fuzz(generator: Generator(state: 20_261_204))
        var pulled = Set<String>()
        for _ in 0..<3000 {
            let body = fuzz.body()
            let kind = try #require(EventKind(rawValue: body.kind))
            let read = try CanonicalJSON.encode(body).withUnsafeBytes { bytes in
                var pull = CanonicalJSON.Pull(bytes)
                return try pull.body(kind)
            }
            if let read {
                #expect(read == body)
                pulled.insert(body.kind)
            }
            let record = fuzz.record()
            let recordRead = try CanonicalJSON.encode(record).withUnsafeBytes { bytes in
                var pull = CanonicalJSON.Pull(bytes)
                defer { #expect(throws: Never.self) { try pull.end() } }
                return try pull.record()
            }
            #expect(recordRead == record)
        }
        #expect(pulled == ["policy_applied", "request_submitted", "request_routed", "review_recorded", "review_refused",
                           "action_refused", "request_decided", "request_withdrawn", "request_revised", "ticket_linked",
                           "grant_issued", "grant_handed_off", "grant_provisioned", "grant_provisioning_failed",
                           "grant_expired", "grant_revoked", "grant_extended", "incident_review_completed"])
    }

    /// Bytes of the common kinds off the writer's exact shape (space, another
    /// order, a null, a repeated or unknown key) are not `Pull`'s: they read
    /// exactly as before, through the tree of values or the reference decoder.
    @Test func thePullReaderLeavesEveryOtherShapeToTheReadersBefore() throws {
        let cases: [(kind: String, text: String)] = [
            ("grant_expired", #"{ "expires_at":1800000000000}"#),
            ("grant_provisioned", #"{"note":"n","action":"grant"}"#),
            ("grant_provisioned", #"{"action":"grant","note":null}"#),
            ("grant_provisioned", #"{"action":"grant","action":"revoke"}"#),
            ("grant_provisioned", #"{"action":"grant","extra":1}"#),
            ("review_recorded", #"{"policy_version":"v","rationale":"r","request_version":01,"verdict":"approve"}"#),
            ("request_decided", #"{"by":["a"],"reason":"r","state":"approved"} "#),
            ("request_routed", #"{"cause":"c","outcome":{"autoApproved":{"rule":"r"},"denied":{"_0":[]}},"policy_version":"v","version":1}"#),
            ("grant_revoked", #"{"rationale":"r","trigger":{"ref":"OPS-1","name":"ticket_closed"}}"#),
            ("request_withdrawn", #"{"rationale":null}"#),
        ]
        for (kind, text) in cases {
            let bytes = Array(text.utf8)
            let tag = try #require(EventKind(rawValue: kind))
            #expect(throws: (any Error).self, "\(text)") {
                try bytes.withUnsafeBytes { bytes in
                    var pull = CanonicalJSON.Pull(bytes)
                    return try pull.body(tag)
                }
            }
            let reference = try? EventBody.decode(kind: kind, payload: Data(bytes))
            #expect((try? EventBody.read(kind: kind, payload: Data(bytes))) == reference, "\(text)")
        }
    }

    /// Anything off the canonical shape is left to the reference decoder, which
    /// decides whether it reads at all.
    /// The grant columns' string lists give back exactly what was written, and
    /// anything else is refused.
    @Test func stringListsRoundTripAndRefuseWhatIsNotOne() {
        var fuzz = Fuzz(generator: Generator(state: 20_261_121))
        for _ in 0..<3000 {
            let values = fuzz.strings() + (Bool.random(using: &fuzz.generator) ? ["plain", ""] : [])
            #expect(CanonicalJSON.decodeStrings(CanonicalJSON.encodeStrings(values)) == values, "\(values)")
        }
        for text in [#"["a","b"]"#, #"[""]"#, "[]", #"["a\"b"]"#] {
            #expect(CanonicalJSON.decodeStrings(text) != nil, "\(text)")
        }
        for text in [#"["a",]"#, #"["a""#, "[1]", #"["a"]]"#, #"{"a":"b"}"#, "", #"["a"x]"#] {
            #expect(CanonicalJSON.decodeStrings(text) == nil, "\(text)")
        }
    }

    @Test func theFastReaderDefersAnythingUnusual() throws {
        let cases: [(String, Bool)] = [
            (#"{"rationale":"a\u00e9\ud83d\ude00\/"}"#, true),   // escapes the writer never uses: still read
            (#"{"rationale":"x","rationale":"y"}"#, false),       // repeated key
            (#"{"rationale":"x","extra":1}"#, false),             // unknown key
            (#"{"rationale":"\ud800"}"#, false),                  // lone surrogate
            (#"{"rationale":1.5}"#, false),
            (#"{"rationale":"x"} trailing"#, false),
            ("{\"rationale\":\"raw\ncontrol\"}", false),
        ]
        for (text, fastReads) in cases {
            let fast = Array(text.utf8).withUnsafeBytes { CanonicalJSON.decodeBody(kind: "request_withdrawn", payload: $0) }
            #expect((fast != nil) == fastReads, "\(text)")
            let reference = try? EventBody.decode(kind: "request_withdrawn", payload: Data(text.utf8))
            if let fast { #expect(fast == reference) }
            #expect((try? EventBody.read(kind: "request_withdrawn", payload: Data(text.utf8))) == reference)
        }
        let versions: [String] = [#"{"current_version":01,"message":"m","reason":"stale_version"}"#,
                                  #"{"current_version":99999999999999999999,"message":"m","reason":"stale_version"}"#]
        for text in versions {
            #expect(Array(text.utf8).withUnsafeBytes { CanonicalJSON.decodeBody(kind: "review_refused", payload: $0) } == nil)
        }
    }
}
