// libyaml itself, as Yams (pinned exactly in Package.swift) builds it: the
// same scanner and parser that then read the file, so this check and the
// reading can never disagree about where an anchor or alias is.
import CYaml

/// Anchors (`&name`) and aliases (`*name`): refused in every YAML file signoff
/// reads. Nothing signoff reads needs them, and an alias repeats a whole
/// subtree: a kilobyte of nested aliases stands for billions of nodes, which
/// composing, hashing or walking would take forever over ("billion laughs").
/// The check reads libyaml's events, one pass over the text before anything
/// is composed, and stops at the first anchor or alias: it is linear in the
/// text, whatever the aliases would expand to. The same pass counts the
/// values (`Limits.yamlValues`): composed, each takes some hundreds of bytes,
/// so a file of a hundred million `- 1` lines is refused, not read until the
/// memory is gone.
enum YAMLAnchors {
    struct Found: Equatable {
        enum Kind: Equatable { case anchor, alias, tooManyValues }
        var kind: Kind
        /// 1-based, as editors show it; the column counts characters.
        var position: SourcePosition
    }

    /// The first anchor or alias in `text`, or the value past the most a
    /// file may hold; nil when it has none, or when the text is not valid
    /// YAML before one (the reader then reports the syntax error).
    static func first(in text: String, valueLimit: Int = Limits.yamlValues) -> Found? {
        var values = 0
        return YAMLEvents.first(in: text) { event, position in
            let type = event.type
            if type == YAML_ALIAS_EVENT { return Found(kind: .alias, position: position) }
            let anchored = type == YAML_SCALAR_EVENT && event.data.scalar.anchor != nil
                || type == YAML_SEQUENCE_START_EVENT && event.data.sequence_start.anchor != nil
                || type == YAML_MAPPING_START_EVENT && event.data.mapping_start.anchor != nil
            if anchored { return Found(kind: .anchor, position: position) }
            if type == YAML_SCALAR_EVENT || type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT {
                values += 1
                if values > valueLimit { return Found(kind: .tooManyValues, position: position) }
            }
            return nil
        }
    }

    static func error(_ found: Found, file: String) -> SourceError {
        switch found.kind {
        case .alias:
            SourceError(file: file, position: found.position, field: "", message: "uses a YAML alias (*name), which signoff does not accept",
                        hint: "write each value out where it is used: anchors and aliases can make a small file stand for an enormous one")
        case .anchor:
            SourceError(file: file, position: found.position, field: "", message: "sets a YAML anchor (&name), which signoff does not accept",
                        hint: "write each value out where it is used: anchors and aliases can make a small file stand for an enormous one")
        case .tooManyValues:
            SourceError(file: file, position: found.position, field: "",
                        message: "holds more than \(Limits.yamlValues.formatted(.number.grouping(.automatic))) values (keys, values and list items), more than signoff reads from one file",
                        hint: "split it")
        }
    }
}

/// libyaml's events over `text`, in order, each with where it starts.
enum YAMLEvents {
    /// The first answer `body` gives; nil when it gives none before the
    /// stream ends, or when the text is not valid YAML before one (the
    /// reader then reports the syntax error).
    static func first<T>(in text: String, _ body: (yaml_event_t, SourcePosition) -> T?) -> T? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        var text = text
        return text.withUTF8 { bytes -> T? in
            yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                // 1-based, as editors show it; the column counts characters.
                let position = SourcePosition(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
                if let found = body(event, position) { return found }
                if event.type == YAML_STREAM_END_EVENT { return nil }
            }
            return nil
        }
    }
}
