import Foundation
import SignoffCore

/// The generic observation format, for every platform without a reader of
/// its own: one observation per JSON line or CSV row, already in the
/// catalogue's terms. Fields (JSON keys or CSV columns):
///
/// | field | required | meaning |
/// | --- | --- | --- |
/// | `system`, `environment` | yes | a catalogue system and one of its environments |
/// | `subject_kind` | yes | an identity kind (`human`, `service_account`, …), `group` or `unknown` |
/// | `subject_name` | yes | the identity as the platform names it |
/// | `entitlement` | yes | the catalogue entitlement; anything else is access the catalogue does not know |
/// | `scope` | no | where it applies: empty for the entitlement's own reach, `*` for everywhere, or a place |
/// | `access` | no | `read`, `write` or `admin` |
/// | `source_id` | yes | the platform's identifier of the record |
/// | `observed_at` | yes | when it was seen, RFC 3339 |
/// | `subject_owner` | no | the accountable person, where the platform records one |
///
/// An export cannot show what it covers, so the command line says it:
/// `--covers SYSTEM/ENVIRONMENT` for each pair the file holds in full.
enum GenericSource {
    static let required = ["system", "environment", "subject_kind", "subject_name", "entitlement", "source_id", "observed_at"]
    static let optional = ["scope", "access", "subject_owner"]

    static func read(_ files: [ExportFile], options: ReadOptions, policy: Policy) throws(SourceError) -> ExportRun {
        guard !options.covers.isEmpty else {
            throw SourceError(file: files[0].name, position: nil, field: "", message: "does not say what it covers",
                              hint: "name each system and environment the file holds in full with --covers SYSTEM/ENVIRONMENT; nothing else is taken as removed")
        }
        var targets: [Coverage.Target] = []
        for pair in options.covers {
            let parts = pair.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2, let system = policy.system(named: parts[0]), ExactName.same(system.name, parts[0]),
                  system.environments.contains(where: { ExactName.same($0, parts[1]) }) else {
                throw SourceError(file: "--covers", position: nil, field: "", message: "\"\(pair)\" is not a catalogue system and environment",
                                  hint: "write SYSTEM/ENVIRONMENT, e.g. \(policy.systems.first.map { "\($0.name)/\($0.environments.first ?? "")" } ?? "payments-db/production")")
            }
            if !targets.contains(where: { ExactName.same($0.system, parts[0]) && ExactName.same($0.environment, parts[1]) }) {
                targets.append(Coverage.Target(system: parts[0], environment: parts[1]))
            }
        }
        var observations: [Observation] = []
        var ignored = 0
        for file in files {
            var records: [Record] = []
            if file.firstCharacter == "{" {
                let bytes = file.utf8
                var lineNumber = 0
                var lineStart = 0
                while lineStart < bytes.count {
                    lineNumber += 1
                    let lineEnd = bytes[lineStart...].firstIndex(of: 0x0A) ?? bytes.count
                    let line = bytes[lineStart..<lineEnd]
                    lineStart = lineEnd + 1
                    guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
                    let value = try JSONParser.parse(Array(line), file: file.name, line: lineNumber)
                    let object = try JSONCursor(value, file: file.name).object()
                    for key in object.keys where !required.contains(key) && !optional.contains(key) {
                        throw try object.required(key).error("is not a field of the observation format",
                                                             hint: "fields: \((required + optional).joined(separator: ", "))")
                    }
                    records.append(Record(file: file.name, line: lineNumber) { field throws(SourceError) in
                        guard let cursor = object.present(field) else { return nil }
                        return try cursor.string()
                    } error: { field, message, hint in
                        (object.optional(field) ?? object.cursor).error(message, hint: hint)
                    })
                }
            } else {
                let table = try CSVTable.parse(file.text, file: file.name)
                try table.require(required, what: "observations in the generic format")
                for (offset, column) in table.header.enumerated() where !required.contains(column) && !optional.contains(column) {
                    throw SourceError(file: file.name, position: SourcePosition(line: 1, column: offset + 1), field: column,
                                      message: "is not a column of the observation format", hint: "columns: \((required + optional).joined(separator: ","))")
                }
                for row in table.rows {
                    records.append(Record(file: file.name, line: row.line) { field in
                        let value = table.value(row, field)
                        return value.isEmpty && optional.contains(field) ? nil : value
                    } error: { field, message, hint in
                        table.error(row, field, message, hint: hint)
                    })
                }
            }
            guard !records.isEmpty else {
                throw SourceError(file: file.name, position: nil, field: "", message: "holds no observations",
                                  hint: "a platform with nothing on it still has something; an empty export is not taken as removal of everything")
            }
            for record in records {
                if let observation = try observation(record, targets: targets, options: options, policy: policy) {
                    observations.append(observation)
                } else {
                    ignored += 1
                }
            }
        }
        // Each target was read when its earliest record says: a grant approved
        // after that may be missing from the file without being missing on the platform.
        for observation in observations {
            guard let index = targets.firstIndex(where: { ExactName.same($0.system, observation.system) && ExactName.same($0.environment, observation.environment) })
            else { continue }
            targets[index].observedAt = min(targets[index].observedAt ?? observation.observedAt, observation.observedAt)
        }
        return ExportRun(source: .generic, files: files.map(\.digest),
                         observed: ObservedState(observations: observations, credentials: [], coverage: Coverage(targets: targets)),
                         ignored: ignored)
    }

    /// One observation's fields, however the file spells them.
    struct Record {
        let file: String
        let line: Int
        let value: (String) throws(SourceError) -> String?
        let error: (String, String, String?) -> SourceError

        init(file: String, line: Int, value: @escaping (String) throws(SourceError) -> String?,
             error: @escaping (String, String, String?) -> SourceError) {
            self.file = file; self.line = line; self.value = value; self.error = error
        }

        func required(_ field: String) throws(SourceError) -> String {
            guard let text = try value(field), !text.isEmpty else { throw error(field, "is missing or empty", nil) }
            guard text.unicodeScalars.count <= Limits.fieldLength else {
                throw error(field, "is \(text.unicodeScalars.count) characters long", "at most \(Limits.fieldLength) are allowed")
            }
            return text
        }
    }

    static func observation(_ record: Record, targets: [Coverage.Target], options: ReadOptions,
                            policy: Policy) throws(SourceError) -> Observation? {
        let systemName = try record.required("system")
        guard let system = policy.system(named: systemName), ExactName.same(system.name, systemName) else {
            let suggestion = closest(to: systemName, in: policy.systems.map(\.name)).map { "did you mean \($0)? " } ?? ""
            throw record.error("system", "\(systemName) is not in the catalogue", "\(suggestion)systems: \(policy.systems.map(\.name).joined(separator: ", "))")
        }
        let environment = try record.required("environment")
        guard system.environments.contains(where: { ExactName.same($0, environment) }) else {
            throw record.error("environment", "\(system.name) has no environment \(environment)", "it has \(system.environments.joined(separator: ", "))")
        }
        guard targets.contains(where: { ExactName.same($0.system, system.name) && ExactName.same($0.environment, environment) }) else {
            throw record.error("system", "\(system.name)/\(environment) is not among what --covers names",
                               "add --covers \(system.name)/\(environment) if the file holds all of it")
        }
        let kindText = try record.required("subject_kind")
        guard let kind = ObservedKind(name: kindText) else {
            throw record.error("subject_kind", "\"\(kindText)\" is not a kind of identity",
                               (IdentityKind.allCases.map(\.rawValue) + ["group", "user", "unknown"]).joined(separator: ", "))
        }
        let name = try record.required("subject_name")
        let owner = try record.value("subject_owner")
        let entitlementText = try record.required("entitlement")
        let entitlement = system.entitlements.contains(where: { ExactName.same($0, entitlementText) }) ? entitlementText : nil
        var access: AccessLevel?
        if let text = try record.value("access") {
            guard let level = AccessLevel(rawValue: text) else { throw record.error("access", "\"\(text)\" is not an access level", "read, write or admin") }
            access = level
        }
        let observedText = try record.required("observed_at")
        guard let observedAt = ExportTime.parse(observedText) else {
            throw record.error("observed_at", "\"\(observedText)\" is not a date and time", "RFC 3339, e.g. 2026-12-01T18:38:00Z")
        }
        _ = try ExportReader.exportTime(observedAt, options: options) { record.error("observed_at", $0, nil) }
        if policy.platform(of: system.name)?.ignores(ObservedSubject(kind: kind, name: name)) == true { return nil }
        return Observation(system: system.name, environment: environment, subject: ObservedSubject(kind: kind, name: name, owner: owner),
                           entitlement: entitlement,
                           native: NativeGrant(type: "entitlement", name: entitlementText,
                                               text: entitlement == nil ? "\(entitlementText) (not in the catalogue)" : entitlementText),
                           scope: ObservedScope(text: try record.value("scope") ?? ""), access: access,
                           sourceID: try record.required("source_id"), observedAt: observedAt)
    }
}
