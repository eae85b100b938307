import Foundation

/// An email ready to send: one recipient, a subject and a plain-text body.
struct Email: Sendable, Equatable {
    /// Stable across retries and restarts, so a receiving server can tell a retry from a new email.
    let messageID: String
    /// Which template it comes from, in an `X-Mentor-Claims-Template` header for filtering.
    var template: String = ""
    let from: String
    let to: String
    /// `Reply-To`: DfE support, on emails that ask for a reply (the sender is a no-reply address).
    var replyTo: String?
    let subject: String
    let body: String
    let date: Date
}

/// RFC 5322 text of an email: UTF-8 headers encoded (RFC 2047); the body as
/// `multipart/alternative`, plain text first and the same words as simple HTML second, each
/// quoted-printable with CRLF line ends and no line over 76 characters.
enum EmailFormat {
    static func rfc5322(_ email: Email) -> String {
        var lines: [String] = []
        lines.append("Message-ID: <\(email.messageID)>")
        lines.append("Date: \(httpDate(email.date))")
        lines.append("From: \(encodeAddress(email.from))")
        if let replyTo = email.replyTo { lines.append("Reply-To: \(encodeAddress(replyTo))") }
        lines.append("To: \(email.to)")
        lines.append("Subject: \(encodeHeader(email.subject))")
        if !email.template.isEmpty { lines.append("X-Mentor-Claims-Template: \(email.template)") }
        lines.append("MIME-Version: 1.0")
        // "=_" never occurs in quoted-printable text ("=" is always "=3D" there), so the
        // boundary cannot appear inside either part.
        let boundary = "=_mc_\(String(StableHash.fnv1a(email.messageID) >> 1, radix: 16))"
        lines.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        lines.append("")
        for (type, text) in [("text/plain", email.body), ("text/html", EmailHTML.render(email.body, title: email.subject))] {
            lines.append("--\(boundary)")
            lines.append("Content-Type: \(type); charset=utf-8")
            lines.append("Content-Transfer-Encoding: quoted-printable")
            lines.append("")
            lines.append(quotedPrintable(text))
        }
        lines.append("--\(boundary)--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        return calendar
    }()
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// RFC 5322 date in UTC, e.g. `Sun, 29 Nov 2026 05:09:00 +0000`, from one shared calendar
    /// (a date formatter built per email showed up when sending thousands).
    static func httpDate(_ date: Date) -> String {
        let p = utc.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String {
            let v = value ?? 0
            return v < 10 ? "0\(v)" : "\(v)"
        }
        return "\(weekdays[(p.weekday ?? 1) - 1]), \(two(p.day)) \(months[(p.month ?? 1) - 1]) \(p.year ?? 1970) "
            + "\(two(p.hour)):\(two(p.minute)):\(two(p.second)) +0000"
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
    /// Works on bytes (a string per character showed up when sending thousands of emails).
    static func quotedPrintable(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + text.utf8.count / 4)
        var lineLength = 0
        func emit(_ piece: UInt8...) {
            if lineLength + piece.count > 75 {
                out.append(contentsOf: [UInt8(ascii: "="), 13, 10])
                lineLength = 0
            }
            out.append(contentsOf: piece)
            lineLength += piece.count
        }
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 13 || byte == 10 {
                // Any line end (CRLF, LF or CR) becomes CRLF; a trailing space before it is encoded.
                if let last = out.last, last == 32, lineLength > 0 {
                    out.removeLast()
                    lineLength -= 1
                    emit(UInt8(ascii: "="), UInt8(ascii: "2"), UInt8(ascii: "0"))
                }
                out.append(contentsOf: [13, 10])
                lineLength = 0
                if byte == 13, index + 1 < bytes.count, bytes[index + 1] == 10 { index += 1 }
            } else if (byte >= 33 && byte <= 126 && byte != 61) || byte == 32 {
                emit(byte)
            } else {
                emit(UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 15)])
            }
            index += 1
        }
        if let last = out.last, last == 32, lineLength > 0 {
            out.removeLast()
            lineLength -= 1
            emit(UInt8(ascii: "="), UInt8(ascii: "2"), UInt8(ascii: "0"))
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The HTML part: the plain text's words, escaped, in paragraphs, with "- " lines as lists and
/// links made clickable. Nothing is in it that the plain part does not say.
enum EmailHTML {
    static func render(_ text: String, title: String) -> String {
        var html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>\(escape(title))</title></head>\n"
        html += "<body style=\"font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; color: #0b0c0c;\">\n"
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n")
        for paragraph in normalised.components(separatedBy: "\n\n") where !paragraph.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            var inList = false
            var plain: [String] = []
            func flushPlain() {
                if !plain.isEmpty { html += "<p>" + plain.joined(separator: "<br>\n") + "</p>\n" }
                plain = []
            }
            for line in paragraph.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                if line.hasPrefix("- ") {
                    flushPlain()
                    if !inList {
                        html += "<ul>\n"
                        inList = true
                    }
                    html += "<li>" + linkify(String(line.dropFirst(2))) + "</li>\n"
                } else {
                    if inList {
                        html += "</ul>\n"
                        inList = false
                    }
                    plain.append(linkify(line))
                }
            }
            if inList { html += "</ul>\n" }
            flushPlain()
        }
        return html + "</body>\n</html>\n"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Escapes a line and turns each http(s) address in it into a link.
    static func linkify(_ line: String) -> String {
        line.split(separator: " ", omittingEmptySubsequences: false).map { word -> String in
            let text = String(word)
            guard text.hasPrefix("https://") || text.hasPrefix("http://") else { return escape(text) }
            return "<a href=\"\(escape(text))\">\(escape(text))</a>"
        }.joined(separator: " ")
    }
}
