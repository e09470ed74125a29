import SignoffCore

/// A CSV file (RFC 4180: quoted fields, doubled quotes, line breaks inside
/// quotes, CRLF or LF) read into rows that know their line, so a reader can
/// say `file:LINE:COLUMN: column NAME: …`.
struct CSVTable {
    struct Row {
        /// The line the row starts on.
        let line: Int
        let fields: [String]
        /// The column each field starts at.
        let columns: [Int]
    }

    let file: String
    let header: [String]
    let rows: [Row]
    private let index: [String: Int]

    /// Parses `text`; the first row is the header. Every row must have as many
    /// fields as the header: a short last row is how a cut-off file shows.
    static func parse(_ text: String, file: String) throws(SourceError) -> CSVTable {
        var rows: [Row] = []
        var fields: [String] = []
        var columns: [Int] = []
        var field = String.UnicodeScalarView()
        var line = 1
        var column = 1
        var rowLine = 1
        var fieldColumn = 1
        var quoted = false
        var quoteLine = 0
        var afterQuote = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil

        func endField() {
            fields.append(String(field))
            columns.append(fieldColumn)
            field = String.UnicodeScalarView()
            afterQuote = false
        }
        func endRow() {
            // A line holding nothing at all is not a row (a final newline, a blank line).
            if !(fields.count == 1 && fields[0].isEmpty) { rows.append(Row(line: rowLine, fields: fields, columns: columns)) }
            fields = []
            columns = []
        }

        while let scalar = pending ?? scalars.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    let next = scalars.next()
                    if next == "\"" {
                        field.append("\"")
                        column += 2
                    } else {
                        quoted = false
                        afterQuote = true
                        column += 1
                        pending = next
                    }
                    continue
                }
                if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
                field.append(scalar)
                continue
            }
            switch scalar {
            case "\"":
                guard field.isEmpty, !afterQuote else {
                    throw SourceError(file: file, position: SourcePosition(line: line, column: column), field: "",
                                      message: "has a quote inside an unquoted field",
                                      hint: "CSV quotes a whole field and doubles quotes inside it")
                }
                quoted = true
                quoteLine = line
                column += 1
            case ",":
                endField()
                column += 1
                fieldColumn = column
            case "\r":
                let next = scalars.next()
                guard next == "\n" else {
                    throw SourceError(file: file, position: SourcePosition(line: line, column: column), field: "",
                                      message: "has a carriage return that does not end a line")
                }
                fallthrough
            case "\n":
                endField()
                endRow()
                line += 1
                column = 1
                rowLine = line
                fieldColumn = 1
            default:
                guard !afterQuote else {
                    throw SourceError(file: file, position: SourcePosition(line: line, column: column), field: "",
                                      message: "has text after the closing quote of a field",
                                      hint: "CSV quotes a whole field and doubles quotes inside it")
                }
                field.append(scalar)
                column += 1
            }
        }
        if quoted {
            throw SourceError(file: file, position: SourcePosition(line: line, column: column), field: "",
                              message: "ends inside a quoted field that starts at line \(quoteLine): the file is truncated",
                              hint: "export the data again and check it was written completely")
        }
        if !field.isEmpty || !fields.isEmpty { endField(); endRow() }
        guard let headerRow = rows.first else {
            throw SourceError(file: file, position: nil, field: "", message: "is empty", hint: "export the data again")
        }
        var index: [String: Int] = [:]
        for (offset, name) in headerRow.fields.enumerated() {
            guard index[name] == nil else {
                throw SourceError(file: file, position: SourcePosition(line: 1, column: headerRow.columns[offset]), field: name,
                                  message: "is a column twice in the header")
            }
            index[name] = offset
        }
        for row in rows.dropFirst() where row.fields.count != headerRow.fields.count {
            let last = row.line == rows.last?.line
            throw SourceError(file: file, position: SourcePosition(line: row.line, column: 1), field: "",
                              message: "has \(row.fields.count) fields where the header has \(headerRow.fields.count)" + (last ? " (the file may be truncated)" : ""),
                              hint: "every row needs one value per column")
        }
        return CSVTable(file: file, header: headerRow.fields, rows: Array(rows.dropFirst()), index: index)
    }

    /// `parse`, for a file that should be an export of `what`: a file that is not CSV at all says so.
    static func parseExport(_ file: ExportFile, what: String) throws(SourceError) -> CSVTable {
        do {
            return try parse(file.text, file: file.name)
        } catch {
            var refusal = error
            refusal.message = "is not \(what): as CSV, it \(error.message)"
            throw refusal
        }
    }

    /// Refuses a file without the columns a reader needs, naming them.
    func require(_ columns: [String], what: String) throws(SourceError) {
        let missing = columns.filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw SourceError(file: file, position: SourcePosition(line: 1, column: 1), field: "",
                              message: "is not \(what): it has no column \(missing.joined(separator: ", "))",
                              hint: "its header is \(header.prefix(8).joined(separator: ","))\(header.count > 8 ? ",…" : "")")
        }
    }

    func has(_ column: String) -> Bool { index[column] != nil }

    func value(_ row: Row, _ column: String) -> String {
        index[column].map { row.fields[$0] } ?? ""
    }

    func error(_ row: Row, _ column: String, _ message: String, hint: String? = nil) -> SourceError {
        let offset = index[column]
        return SourceError(file: file, position: SourcePosition(line: row.line, column: offset.map { row.columns[$0] } ?? 1),
                           field: column, message: message, hint: hint)
    }
}
