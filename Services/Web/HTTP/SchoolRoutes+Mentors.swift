import ClaimsIntakeAPI
import Foundation

/// Adding a mentor found in the Teaching Record System: the TRN and the date of birth (a GOV.UK
/// date input) find the teacher, and the names are the record's. The date of birth is passed to
/// claims-intake and kept nowhere.
extension SchoolRoutes {
    func addMentorFromRecord(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, _) = try Self.school(request)
        var errors = PageErrors()
        let trn = request.form["trn"] ?? ""
        let day = (request.form["date_of_birth_day"] ?? "").trimmingCharacters(in: .whitespaces)
        let month = (request.form["date_of_birth_month"] ?? "").trimmingCharacters(in: .whitespaces)
        let year = (request.form["date_of_birth_year"] ?? "").trimmingCharacters(in: .whitespaces)
        let entered = ["trn": trn, "date_of_birth_day": day, "date_of_birth_month": month, "date_of_birth_year": year]
        if trn.trimmingCharacters(in: .whitespaces).isEmpty { errors.add("trn", "Enter the mentor's teacher reference number (TRN)") }
        let dateOfBirth = Self.dateOfBirth(day: day, month: month, year: year, errors: &errors)
        guard errors.isEmpty, let dateOfBirth else { return try await mentors(request, errors: errors, entered: entered) }
        let added: Components.Schemas.Mentor
        do {
            added = try await site.client.claimsIntake(as: Actors.school(user)) {
                try await $0.addMentor(path: .init(urn: urn), body: .json(.init(trn: trn, dateOfBirth: dateOfBirth))).created.body.json
            }
        } catch ServiceCallError.invalid(let fields, let detail) {
            for field in fields {
                if field.message.hasPrefix("No teacher found") {
                    errors.add(
                        "trn",
                        "No teacher found with that TRN and date of birth. Check both with the mentor: their TRN is on their teacher record, and the date of birth must be the one on it"
                    )
                } else {
                    errors.add(field.field == "date_of_birth" ? "date_of_birth_day" : "trn", field.message)
                }
            }
            if errors.isEmpty { errors.add("trn", detail) }
            return try await mentors(request, errors: errors, entered: entered)
        } catch ServiceCallError.conflict(_, let detail) {
            errors.add("trn", detail)
            return try await mentors(request, errors: errors, entered: entered)
        } catch ServiceCallError.unavailable {
            errors.add(
                "trn",
                "The mentor has not been added: we could not check their teacher record just now. Try again in a few minutes"
            )
            return try await mentors(request, errors: errors, entered: entered)
        }
        try await site.sessions.setFlash(request.session, "\(added.firstName) \(added.lastName) has been added")
        return .redirect(request.form["return"] == "claim" ? "/schools/\(urn)/claims/new/mentors" : "/schools/\(urn)/mentors")
    }

    /// `YYYY-MM-DD` from a GOV.UK date input's three fields, or nil with the error the pattern
    /// asks for (what is missing, or that it must be a real date).
    static func dateOfBirth(day: String, month: String, year: String, errors: inout PageErrors) -> String? {
        if day.isEmpty && month.isEmpty && year.isEmpty {
            errors.add("date_of_birth_day", "Enter the mentor's date of birth")
            return nil
        }
        let missing = [("day", day), ("month", month), ("year", year)].filter { $0.1.isEmpty }.map(\.0)
        if !missing.isEmpty {
            errors.add("date_of_birth_day", "Date of birth must include a \(missing.joined(separator: " and "))")
            return nil
        }
        guard let d = Int(day), let m = Int(month), let y = Int(year), year.count == 4, (1...12).contains(m), (1...31).contains(d) else {
            errors.add("date_of_birth_day", "Date of birth must be a real date")
            return nil
        }
        let text = String(format: "%04d-%02d-%02d", y, m, d)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: y, month: m, day: d)), calendar.component(.day, from: date) == d else {
            errors.add("date_of_birth_day", "Date of birth must be a real date")
            return nil
        }
        return text
    }
}
