import Foundation
import SignoffCore

/// Turns notification documents into what each channel sends. The documents'
/// fields are already cut to length and stripped of secret-looking words;
/// here each medium's own dangers are neutralised: header injection in
/// mail, mentions and links in Slack, controls everywhere text is shown.
public enum NotificationRendering {
    // MARK: Plain text (email bodies, command-free reading)

    /// A field for a human reader: controls and invisible characters as
    /// visible placeholders, on one line.
    static func safe(_ text: String) -> String { DisplaySafe.text(text) }

    /// The lines that describe one notification, for mail and Slack.
    static func lines(_ document: NotificationDocument) -> [(label: String, value: String)] {
        let request = document.request
        var lines: [(String, String)] = []
        lines.append(("What", "\(request.access) \(request.entitlement) on \(request.system) \(request.environment)"
                      + (request.scope.map { ", scope \($0)" } ?? "")))
        lines.append(("For", "\(request.subject.kind.label) \(request.subject.name) (owner \(request.subject.owner))"))
        lines.append(("How long", request.durationText))
        lines.append(("Asked by", request.requester + (request.submittedBy == request.requester ? "" : ", submitted by \(request.submittedBy)")))
        lines.append(("Why", request.purpose))
        if !request.risk.isEmpty { lines.append(("Risk", request.risk.joined(separator: ", "))) }
        if let incident = request.incident { lines.append(("Incident", incident)) }
        if let ticket = request.ticket { lines.append(("Ticket", ticket)) }
        lines.append(("Waiting", "\(request.waitedText) (submitted \(request.submittedAt))"))
        if let decision = document.decision {
            lines.append(("Decision", "\(decision.state) by \(decision.by.joined(separator: ", ")) at \(decision.at): \(decision.reason)"))
        }
        if let grant = document.grant {
            var text = grant.state
            if let expires = grant.expiresAt { text += ", expires \(expires)" + (grant.expiresInText.map { " (in \($0))" } ?? "") }
            if let reason = grant.endReason { text += ", \(reason)" }
            if let due = grant.reviewDueAt, document.kind == .incidentReviewDue || document.kind == .incidentReviewOverdue {
                text += ", post-incident review due \(due)"
            }
            lines.append(("Access", text))
        }
        if let refusal = document.refusal {
            lines.append(("Refused", "\(refusal.actor) (\(refusal.authentication)) tried to \(refusal.attempted): \(refusal.reason.rawValue)"))
            lines.append(("Message", refusal.message))
        }
        if let route = request.routeText { lines.append(("Route", route)) }
        lines.append(("You hear of it as", document.why))
        lines.append(("Open it", "\(document.open), or in the console (signoff)"))
        return lines.map { ($0.0, safe($0.1)) }
    }

    // MARK: Email

    /// A plain-text message for `sendmail -t -oi`: the recipients come from
    /// `To:` only, which is a plain address checked when the policy was
    /// applied; the subject is short, and every value in a header has its
    /// controls (CR and LF among them) replaced, so no field can add a header.
    public static func email(_ documents: [NotificationDocument], to address: String, from: String, messageID: String,
                             date: Date) -> String {
        precondition(!documents.isEmpty)
        let subject: String
        if documents.count == 1 {
            let document = documents[0]
            subject = "[signoff] \(document.request.id) \(document.kind.title)"
        } else {
            subject = "[signoff] \(documents.count) notifications: " + documents.prefix(4).map(\.request.id).joined(separator: ", ")
                + (documents.count > 4 ? ", …" : "")
        }
        var headers = [
            "From: \(headerValue(from))",
            "To: \(headerValue(address))",
            "Subject: \(encodedHeader(subject))",
            "Date: \(rfc5322Date(date))",
            "Message-ID: <\(headerValue(messageID))>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "Auto-Submitted: auto-generated",
        ]
        if documents.contains(where: \.urgent) { headers.append("Importance: high") }
        var body: [String] = []
        for (index, document) in documents.enumerated() {
            if index > 0 { body += ["", String(repeating: "-", count: 40), ""] }
            body.append(safe(document.summary))
            body.append("")
            for line in lines(document) { body.append("\(line.label): \(line.value)") }
        }
        body += ["", "Decisions are made in signoff, never by replying to this message or following a link."]
        return headers.joined(separator: "\n") + "\n\n" + body.joined(separator: "\n") + "\n"
    }

    /// A header value on one line: every control, CR and LF included, becomes a placeholder.
    static func headerValue(_ text: String) -> String {
        String(DisplaySafe.text(text, style: .ascii).prefix(200))
    }

    /// `text` as a header value: plain when it is printable ASCII, else as
    /// RFC 2047 encoded words (each at most 75 characters, folded).
    static func encodedHeader(_ text: String) -> String {
        let value = String(DisplaySafe.text(text).prefix(120))
        if value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) { return value }
        var words: [String] = []
        var chunk = ""
        for character in value {
            if (chunk + String(character)).utf8.count > 42 {
                words.append("=?UTF-8?B?\(Data(chunk.utf8).base64EncodedString())?=")
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk.utf8).base64EncodedString())?=") }
        return words.joined(separator: "\n ")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    // MARK: Slack

    /// Slack's three control characters as entities: `<!channel>`, `<@U1>`
    /// and `<http://x|label>` written by a requester arrive as text, not as a
    /// mention or a link. Controls become placeholders.
    public static func slackEscaped(_ text: String) -> String {
        var result = ""
        for character in safe(text) {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A Slack-compatible incoming-webhook body: `text` (the notification
    /// fallback) and Block Kit blocks, every value escaped.
    public static func slack(_ documents: [NotificationDocument]) -> Data {
        var blocks: [[String: Any]] = []
        for document in documents.prefix(20) {
            let header = "\(document.urgent ? "🚨 " : "")\(document.request.id) \(document.kind.title)"
            blocks.append(["type": "header", "text": ["type": "plain_text", "text": String(safe(header).prefix(150)), "emoji": true]])
            let text = lines(document).map { "*\(slackEscaped($0.label)):* \(slackEscaped($0.value))" }.joined(separator: "\n")
            blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": String(text.prefix(2900))]])
        }
        if documents.count > 20 {
            blocks.append(["type": "context", "elements": [["type": "mrkdwn", "text": "and \(documents.count - 20) more: `signoff notify status`"]]])
        }
        let fallback = documents.map { slackEscaped($0.summary) }.joined(separator: "\n")
        let body: [String: Any] = ["text": String(fallback.prefix(3000)), "blocks": blocks, "unfurl_links": false, "unfurl_media": false]
        return (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
    }

    // MARK: PagerDuty

    /// A PagerDuty Events API v2 `trigger` event. Its `dedup_key` is the
    /// notice's, so a repeat joins the same alert instead of paging twice.
    public static func pagerDuty(_ document: NotificationDocument, routingKey: String) -> Data {
        let request = document.request
        var details: [String: Any] = [
            "request": request.id, "requester": request.requester, "subject": "\(request.subject.kind.rawValue) \(request.subject.name)",
            "system": request.system, "environment": request.environment, "entitlement": request.entitlement,
            "access": request.access, "duration": request.durationText, "purpose": request.purpose,
            "waited": request.waitedText, "risk": request.risk.joined(separator: ", "), "open": document.open,
        ]
        if let incident = request.incident { details["incident"] = incident }
        // Shown by PagerDuty's own pages and apps: controls and bidi as placeholders there too.
        details = details.mapValues { ($0 as? String).map(safe) ?? $0 }
        let event: [String: Any] = [
            "routing_key": routingKey,
            "event_action": "trigger",
            "dedup_key": String(document.id.prefix(255)),
            "client": "signoff",
            "payload": [
                "summary": String(safe(document.summary).prefix(1024)),
                "source": "signoff",
                "severity": document.kind == .breakGlass || document.kind == .escalation ? "critical" : "warning",
                "timestamp": document.createdAt,
                "component": request.system,
                "group": request.environment,
                "class": document.kind.rawValue,
                "custom_details": details,
            ] as [String: Any],
        ]
        return (try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])) ?? Data()
    }

    // MARK: Generic webhook and commands

    /// One document as it is, or several as a digest (`signoff.notification-digest/1`).
    public static func generic(_ documents: [NotificationDocument]) -> Data {
        generic(encoded: documents.map { $0.encoded() })
    }

    /// The same from documents already encoded (as the outbox stores them).
    static func generic(encoded documents: [some StringProtocol]) -> Data {
        if documents.count == 1 { return Data(documents[0].utf8) }
        let items = documents.joined(separator: ",")
        return Data(#"{"items":[\#(items)],"schema":"signoff.notification-digest/1"}"#.utf8)
    }
}
