import ArgumentParser
import Foundation
import SignoffCore
import SignoffStore

struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit requests from YAML or JSON files (or - for stdin).",
        discussion: "Every request in every file is validated first; if any is invalid, none is submitted.")

    @OptionGroup var options: StoreOptions

    @Argument(help: ArgumentHelp("Request files; - reads stdin.", valueName: "file"))
    var files: [String] = ["-"]

    @Flag(help: "Print the result as JSON.")
    var json = false

    @Flag(help: "Validate and route every request, print what would happen, and write nothing.")
    var dryRun = false

    /// Carries a dry run's results out of the transaction it rolls back.
    struct DryRun: Error { var results: [Submitted] }

    struct Submitted: Encodable {
        var id: String
        var state: String
        var route: String
        var version: Int
    }

    func run() throws {
        let store = try options.open()
        let actor = try options.actor(in: store)
        let inputs = try files.map(readText)
        let results = try submit(store: store, actor: actor, inputs: inputs, now: try options.now(in: store))
        if !dryRun { try handOff(results.filter { $0.state == RequestState.approved.rawValue }.map(\.id), store: store, actor: actor) }
        if json {
            try Terminal.json(results)
        } else {
            for result in results {
                Terminal.line("\(result.id)  \(result.state)  v\(result.version)  \(Terminal.safe(result.route))")
            }
            if dryRun { Terminal.line("dry run: nothing was submitted") }
        }
    }

    func submit(store: Store, actor: Principal, inputs: [(text: String, name: String)], now: Date) throws -> [Submitted] {
        return try storeCall {
            do {
                return try store.write { tx in
                    let policy = try requirePolicy(try tx.currentPolicy())
                    var entries: [RequestFile.Entry] = []
                    var problems: [String] = []
                    for input in inputs {
                        switch Result(catching: { () throws(SourceErrors) in
                            try RequestFile.parse(text: input.text, file: input.name, policy: policy)
                        }) {
                        case let .success(parsed): entries += parsed
                        case let .failure(error): problems += error.errors.map(\.description)
                        }
                    }
                    if !problems.isEmpty {
                        throw CommandFailure.badInput(problems.joined(separator: "\n") + "\nnothing was submitted")
                    }
                    var results: [Submitted] = []
                    for entry in entries {
                        let request: AccessRequest
                        do throws(Refusal) {
                            request = try Lifecycle.authorizeSubmission(entry.request, by: actor, policy: policy)
                        } catch {
                            let at = entry.position.map { "\(entry.file):\($0)" } ?? entry.file
                            throw CommandFailure(.refused, "\(at): \(error.message); nothing was submitted")
                        }
                        let id = try tx.nextRequestID()
                        var record: RequestRecord?
                        for event in Lifecycle.submit(request, id: id, by: actor, policy: policy, original: nil, at: now) {
                            _ = try tx.append(event)
                            record = Projection.apply(event, to: record)
                        }
                        guard let record else { continue }
                        results.append(Submitted(id: id, state: record.state.rawValue, route: record.route?.summary ?? "", version: record.version))
                    }
                    // Throwing rolls the transaction back: a dry run leaves no trace.
                    if dryRun { throw DryRun(results: results) }
                    return results
                }
            } catch let dry as DryRun {
                return dry.results
            }
        }
    }
}

/// Runs a store call, passing command failures through and turning anything
/// the store throws into a store error.
@discardableResult
func storeCall<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let failure as CommandFailure {
        throw failure
    } catch {
        throw CommandFailure(.storeError, "\(error)")
    }
}
