import Foundation

/// OpenSSH's `allowed_signers` file for the keys a chain of policies listed,
/// so that anyone can check a decision with stock `ssh-keygen -Y verify`.
///
/// Each line names the person, restricts the key to the `signoff` namespace,
/// and bounds it to when the policies in force listed it (`valid-after`,
/// `valid-before`, UTC), so a key removed from the directory does not vouch
/// for a decision made after it was removed. `ssh-keygen` compares those
/// bounds with the present unless told the decision's time:
/// `-Overify-time=YYYYMMDDHHMMSSZ`.
public enum AllowedSigners {
    /// One policy version and when it came into force.
    public struct Version: Sendable {
        public var appliedAt: Date
        public var policy: Policy
        public init(appliedAt: Date, policy: Policy) {
            self.appliedAt = appliedAt
            self.policy = policy
        }
    }

    /// The file's text for `versions`, in the order they were applied.
    public static func file(_ versions: [Version]) -> String {
        struct Listing { var person: String; var key: SSHPublicKey; var weakness: String?; var from: Date; var until: Date? }
        var open: [String: Listing] = [:]
        var done: [Listing] = []
        for version in versions {
            var now: [String: (String, SSHPublicKey)] = [:]
            for person in version.policy.people {
                for key in version.policy.listedKeys(of: person) { now["\(person) \(key.openSSHText)"] = (person, key) }
            }
            for (id, listing) in open where now[id] == nil {
                var ended = listing
                ended.until = version.appliedAt
                done.append(ended)
                open.removeValue(forKey: id)
            }
            for (id, (person, key)) in now where open[id] == nil {
                open[id] = Listing(person: person, key: key, weakness: version.policy.weakness(of: key), from: version.appliedAt,
                                   until: nil)
            }
        }
        let all = (done + open.values).sorted { ($0.person, $0.from, $0.key.openSSHText) < ($1.person, $1.from, $1.key.openSSHText) }
        var text = "# allowed_signers for signoff: the keys the policy directory listed, and when.\n"
        text += "# ssh-keygen -Y verify -f allowed_signers -I PERSON -n signoff -s SIGNATURE -Overify-time=DECIDED_AT < STATEMENT\n"
        for listing in all {
            // A principal is a pattern list in this file: a name with a wildcard, comma,
            // quote or space would name others too, so it is left out, and said so.
            guard isPlainPrincipal(listing.person) else {
                text += "# left out: a key of \(DisplaySafe.text(listing.person)), a name ssh-keygen would read as a pattern\n"
                continue
            }
            // Such a key would vouch for signatures anyone can make (`policy check` refuses it).
            if let weakness = listing.weakness {
                text += "# left out: \(listing.person)'s key \(listing.key.fingerprint), which \(weakness)\n"
                continue
            }
            var options = "namespaces=\"signoff\",valid-after=\"\(timestamp(listing.from, roundingUp: false))\""
            if let until = listing.until { options += ",valid-before=\"\(timestamp(until, roundingUp: true))\"" }
            text += "\(listing.person) \(options) \(listing.key.openSSHText)\n"
        }
        return text
    }

    static func isPlainPrincipal(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._@-+".unicodeScalars.contains(scalar))
        }
    }

    /// `YYYYMMDDHHMMSSZ`, the form `ssh-keygen` reads, to the second.
    public static func timestamp(_ date: Date, roundingUp: Bool = false) -> String {
        let seconds = roundingUp ? date.timeIntervalSince1970.rounded(.up) : date.timeIntervalSince1970.rounded(.down)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                            from: Date(timeIntervalSince1970: seconds))
        return String(format: "%04d%02d%02d%02d%02d%02dZ", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
                      parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }
}
