import Foundation

/// An email ready to send: one recipient, a subject and a plain-text body.
struct Email: Sendable, Equatable {
    /// Stable across retries and restarts, so a receiving server can tell a retry from a new email.
    let messageID: String
    /// Which template it comes from, in an `X-Mentor-Claims-Template` header for filtering.
    var template: String = ""
    let from: String
    let to: String
    let subject: String
    let body: String
    let date: Date
}

/// Money in emails: `£1,072.00`.
enum EmailMoney {
    static func pounds(_ pence: Int64) -> String {
        let whole = pence / 100
        let fraction = pence % 100
        var digits = String(whole)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits = String(digits.dropLast(3))
        }
        return "£" + digits + grouped + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }
}

/// RFC 5322 text of an email: UTF-8 headers encoded (RFC 2047), quoted-printable body with CRLF
/// line ends and no line over 76 characters.
enum EmailFormat {
    static func rfc5322(_ email: Email) -> String {
        var lines: [String] = []
        lines.append("Message-ID: <\(email.messageID)>")
        lines.append("Date: \(httpDate(email.date))")
        lines.append("From: \(encodeAddress(email.from))")
        lines.append("To: \(email.to)")
        lines.append("Subject: \(encodeHeader(email.subject))")
        if !email.template.isEmpty { lines.append("X-Mentor-Claims-Template: \(email.template)") }
        lines.append("MIME-Version: 1.0")
        lines.append("Content-Type: text/plain; charset=utf-8")
        lines.append("Content-Transfer-Encoding: quoted-printable")
        lines.append("")
        lines.append(quotedPrintable(email.body))
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    /// `=?utf-8?B?…?=` when the text is not plain ASCII, split into encoded words of at most 39
    /// bytes (whole characters) folded onto continuation lines, so no line passes 78 characters.
    static func encodeHeader(_ text: String) -> String {
        guard !text.allSatisfy({ $0.isASCII }) else { return fold(text, firstLineRoom: 68) }
        var words: [String] = []
        var chunk = ""
        for character in text {
            if chunk.utf8.count + String(character).utf8.count > 39 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?utf-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    /// Plain ASCII folded at spaces (RFC 5322 2.2.3) so that no line passes 78 characters; the
    /// first line leaves room for the header's name.
    static func fold(_ text: String, firstLineRoom: Int) -> String {
        var lines: [String] = []
        var current: String?
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let room = lines.isEmpty ? firstLineRoom : 77
            if let line = current, line.count + 1 + word.count > room, !line.isEmpty {
                lines.append(line)
                current = String(word)
            } else {
                current = current.map { $0 + " " + word } ?? String(word)
            }
        }
        lines.append(current ?? "")
        // Each continuation line starts with the space that stood between the words.
        return lines.joined(separator: "\r\n ")
    }

    /// `Name <address>` with the name encoded when needed.
    static func encodeAddress(_ text: String) -> String {
        guard let open = text.firstIndex(of: "<") else { return text }
        let name = text[..<open].trimmingCharacters(in: .whitespaces)
        return "\(encodeHeader(name)) \(text[open...])"
    }

    /// Quoted-printable (RFC 2045) with CRLF line ends and soft breaks before 76 characters.
    static func quotedPrintable(_ text: String) -> String {
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var out: [String] = []
        for line in normalised.split(separator: "\n", omittingEmptySubsequences: false) {
            var encoded = ""
            var current = ""
            for byte in line.utf8 {
                let piece: String
                if (byte >= 33 && byte <= 126 && byte != 61) || byte == 32 {
                    piece = String(UnicodeScalar(byte))
                } else {
                    piece = String(format: "=%02X", byte)
                }
                if current.count + piece.count > 75 {
                    encoded += current + "=\r\n"
                    current = ""
                }
                current += piece
            }
            // A trailing space or tab must be encoded so it survives transport.
            if current.hasSuffix(" ") { current = String(current.dropLast()) + "=20" }
            encoded += current
            out.append(encoded)
        }
        return out.joined(separator: "\r\n")
    }
}
