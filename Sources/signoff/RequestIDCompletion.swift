import ArgumentParser
import Foundation
import SignoffCore
import SignoffStore

/// Shell completion of request IDs: the store the command line names (or the
/// configured one), opened read-only, answers with its most recent requests,
/// open ones first. Cheap: one indexed query of at most a few hundred rows.
/// Any problem (no store yet, no permission) completes nothing rather than
/// printing into the shell.
enum RequestIDCompletion {
    static let kind = CompletionKind.custom { words, _, prefix in candidates(words: words, prefix: prefix) }

    static func candidates(words: [String], prefix: String) -> [String] {
        var option: String?
        for (index, word) in words.enumerated() {
            if word == "--store", index + 1 < words.count { option = words[index + 1] }
            if word.hasPrefix("--store=") { option = String(word.dropFirst("--store=".count)) }
        }
        guard let location = try? StoreLocation.configured(option: option),
              let store = try? Store.openForReading(location) else { return [] }
        let recent = RequestFilter(limit: 300, newestFirst: true)
        guard let open = try? store.summaries(RequestFilter(states: [.pending, .blocked], limit: 300, newestFirst: true)),
              let all = try? store.summaries(recent) else { return [] }
        var seen: Set<String> = []
        return (open + all).map(\.id).filter { $0.hasPrefix(prefix) && seen.insert($0).inserted }
    }
}
