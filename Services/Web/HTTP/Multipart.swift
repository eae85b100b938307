import Foundation

/// `multipart/form-data` (RFC 7578) as browsers send a form with a file: text fields and files,
/// each part with a `Content-Disposition: form-data; name="…"[; filename="…"]` header.
enum Multipart {
    /// The boundary of a `Content-Type: multipart/form-data; boundary=…` header.
    static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            var value = String(pair[1])
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            guard !value.isEmpty, value.count <= 200 else { return nil }
            return value
        }
        return nil
    }

    /// The form, or nil when the body is not multipart with that boundary.
    static func parse(_ body: Data, boundary: String) -> Form? {
        let delimiter = Data("--\(boundary)".utf8)
        let separator = Data("\r\n\r\n".utf8)
        var form = Form()
        guard var cursor = body.range(of: delimiter)?.upperBound else { return nil }
        while cursor < body.endIndex {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body[cursor...].starts(with: Data("--".utf8)) { return form }
            guard body[cursor...].starts(with: Data("\r\n".utf8)) else { return nil }
            let partStart = cursor + 2
            guard let next = body.range(of: Data("\r\n".utf8) + delimiter, in: partStart..<body.endIndex) else { return nil }
            let part = body[partStart..<next.lowerBound]
            cursor = next.upperBound
            guard let split = part.range(of: separator) else { return nil }
            let headers = String(decoding: part[part.startIndex..<split.lowerBound], as: UTF8.self)
            let content = Data(part[split.upperBound...])
            var name: String?
            var fileName: String?
            for line in headers.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                name = attribute("name", in: line)
                fileName = attribute("filename", in: line)
            }
            guard let name, !name.isEmpty else { continue }
            if let fileName {
                // An empty file input still sends a part, with no file name and no bytes.
                if !fileName.isEmpty || !content.isEmpty { form.files[name] = Form.Upload(fileName: fileName, data: content) }
            } else {
                form.values[name, default: []].append(String(decoding: content, as: UTF8.self))
            }
        }
        return nil
    }

    /// `name="value"` in a header line (the quoted form browsers send).
    static func attribute(_ key: String, in line: String) -> String? {
        for piece in line.split(separator: ";").dropFirst() {
            let pair = piece.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].lowercased() == key else { continue }
            var value = String(pair[1])
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.replacingOccurrences(of: "%22", with: "\"")
        }
        return nil
    }
}
