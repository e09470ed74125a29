import Foundation
import SignoffCore
import SignoffStore

extension Commands {
    /// One request file's text and the name messages give it.
    public struct RequestSource: Sendable {
        public var text: String
        public var name: String
        public init(text: String, name: String) {
            self.text = text
            self.name = name
        }
    }

    /// Submits every request of every file, or none: each is validated
    /// against the policy in force, authorised (the requester themselves, or
    /// an intake agent on their behalf), routed, and decided where the policy
    /// decides alone. A dry run does all of it and writes nothing.
    public struct Submit: StoreCommand {
        public var sources: [RequestSource]
        public var dryRun: Bool

        public init(_ sources: [RequestSource], dryRun: Bool = false) {
            self.sources = sources
            self.dryRun = dryRun
        }

        public var operation: Operation { .submit }
        public var rollsBack: Bool { dryRun }

        /// Each request as submitted and routed (and perhaps already decided by the policy).
        public func decide(_ tx: CommandTransaction) throws -> [RequestRecord] {
            let policy = try tx.policy()
            var entries: [RequestFile.Entry] = []
            var problems: [SourceError] = []
            for source in sources {
                switch Result(catching: { () throws(SourceErrors) in
                    try RequestFile.parse(text: source.text, file: source.name, policy: policy, now: tx.now)
                }) {
                case let .success(parsed): entries += parsed
                case let .failure(error): problems += error.errors
                }
            }
            if !problems.isEmpty {
                throw CommandError.invalidInput(SourceErrors(problems), consequence: "nothing was submitted")
            }
            // A request that names a finding must ask for the access it shows.
            for entry in entries {
                guard let id = entry.request.finding else { continue }
                if let problem = FindingRequest.mismatch(entry.request, finding: try tx.store.finding(id), id: id) {
                    let at = entry.position.map { "\(entry.file):\($0)" } ?? entry.file
                    throw CommandError.badInput("\(at): finding: \(problem); nothing was submitted")
                }
            }
            // Every request is authorized before any is recorded: one refused
            // request refuses the submission whole, and the refusal is evidence.
            var requests: [ScannedRequest] = []
            requests.reserveCapacity(entries.count)
            for entry in entries {
                do throws(Refusal) {
                    requests.append(try Lifecycle.authorizeSubmission(entry.scanned, by: tx.actor, policy: policy))
                } catch {
                    // At the field that decided it: who the request names as its requester.
                    let refusal = Refusal(error.reason, entry.located(error) + "; nothing was submitted")
                    throw try tx.refusal(refusal, recording: [Lifecycle.refused(.submit, refusal, requestID: nil, by: tx.actor, at: tx.now)])
                }
            }
            var results: [RequestRecord] = []
            results.reserveCapacity(entries.count)
            for request in requests {
                let id = try tx.store.nextRequestID()
                var record: RequestRecord?
                for event in Lifecycle.submit(request, id: id, by: tx.actor, policy: policy, original: nil, at: tx.now) {
                    try tx.append(event)
                    record = Projection.apply(event, to: record)
                }
                guard let record else { continue }
                results.append(record)
            }
            return results
        }
    }
}
