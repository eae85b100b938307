import AuditSamplingAPI
import ClaimsIntakeAPI
import Foundation
import Hummingbird
import OpenAPIRuntime
import ServiceSupport

/// `/support/audit`: flags, samples (by share and seed, or from a list), each provider's
/// progress and due dates, new links for a provider, and a provider's response uploaded for them.
struct SupportAuditRoutes {
    let site: Site

    func add(to router: Router<ServiceRequestContext>) {
        site.on(router, .get, "/support/audit") { try await home($0) }
        site.on(router, .post, "/support/audit/samples") { try await createSample($0) }
        site.on(router, .get, "/support/audit/samples/:id") { try await sample($0) }
        site.on(router, .get, "/support/audit/provider-requests/:id/file") { try await file($0) }
        site.on(router, .post, "/support/audit/provider-requests/:id/resend") { try await resend($0) }
        site.on(router, .post, "/support/audit/provider-requests/:id/response") { try await response($0) }
    }

    func id(_ request: PageRequest) throws -> Int {
        guard let text = request.parameter("id"), text.count <= 12, let id = Int(text), id > 0 else { throw PageError.notFound }
        return id
    }

    func home(
        _ request: PageRequest,
        errors: PageErrors = PageErrors(),
        entered: [String: String] = [:],
        rowErrors: [[String: Any]] = []
    ) async throws -> PageResult {
        let user = try request.supportUser
        let actor = Actors.support(user)
        let client = site.client
        let thisYear = academicYear(of: site.now())
        let year = request.query("academic_year").flatMap { Int($0) }.flatMap { (2000...2100).contains($0) ? $0 : nil } ?? thisYear
        async let flagsCall = outcome {
            try JSONValue(try await client.auditSampling(as: actor) { try await $0.listFlags(query: .init(academicYear: year)).ok.body.json })
        }
        async let samplesCall = outcome { try JSONValue(try await client.auditSampling(as: actor) { try await $0.listSamples().ok.body.json }) }
        async let waitingCall = outcome { try await client.claimCount([.samplingProviderNotApproved], as: actor) }
        async let approvalCall = outcome { try await client.claimCount([.clawbackRequiresApproval], as: actor) }
        let (flags, samples, waiting, approval) = await (flagsCall, samplesCall, waitingCall, approvalCall)
        var values: [String: Any] = ["title": errors.isEmpty ? "Audit" : "Error: Audit", "year": year, "yearText": Presentation.academicYear(year)]
        let flagged = try flags.get().items
        values["flags"] = flagged.map { item -> [String: Any] in
            var row = item
            row["reasons_text"] = (item["reasons"] as? [Any])?.compactMap { $0 as? String }.joined(separator: "; ") ?? ""
            return row
        }
        values["hasFlags"] = !flagged.isEmpty
        let sampleItems = try samples.get().items.map { sample -> [String: Any] in
            var row = sample
            let providers = sample["providers"] as? [[String: Any]] ?? []
            row["unanswered"] = providers.reduce(0) { $0 + (($1["unanswered_claims"] as? Int64).map(Int.init) ?? 0) }
            return row
        }
        values["samples"] = sampleItems
        values["hasSamples"] = !sampleItems.isEmpty
        let schoolResponses = try waiting.get()
        let approvals = try approval.get()
        values["schoolResponses"] = schoolResponses == 1 ? "1 claim" : "\(schoolResponses) claims"
        values["approvals"] = approvals == 1 ? "1 clawback" : "\(approvals) clawbacks"
        values["entered"] = entered.isEmpty ? ["academic_year": "\(thisYear)", "share": "10"] : entered
        values["rowErrors"] = rowErrors
        values["hasRowErrors"] = !rowErrors.isEmpty
        values.merge(errors.context) { $1 }
        return .page("support-audit", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func createSample(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        let form = request.form
        var errors = PageErrors()
        var entered: [String: String] = [:]
        for name in ["academic_year", "share", "seed"] { entered[name] = form[name] ?? "" }
        guard let body = try sampleRequest(form, &errors) else { return try await home(request, errors: errors, entered: entered) }
        let sample: JSONValue
        do {
            sample = try JSONValue(
                try await site.client.auditSampling(as: Actors.support(user)) { try await $0.createSample(body: body).created.body.json }
            )
        } catch ServiceCallError.invalid(let fields, let detail) {
            let rows = refusal(fields, detail: detail, form: form, &errors)
            return try await home(request, errors: errors, entered: entered, rowErrors: rows)
        } catch ServiceCallError.conflict(_, let detail) {
            errors.add(form["method"] == "list" ? "file" : "share", detail)
            return try await home(request, errors: errors, entered: entered)
        }
        let count = sample["claim_count"]?.integer ?? 0
        try await site.sessions.setFlash(
            request.session,
            "Sample \(sample["id"]?.integer ?? 0) created: \(count == 1 ? "1 claim" : "\(count) claims"). Each provider has been emailed a link to its file."
        )
        return .redirect("/support/audit/samples/\(sample["id"]?.integer ?? 0)")
    }

    /// The sample request the form asks for: support's uploaded list, or the year, share and seed
    /// as JSON; nil with the errors when the form is wrong.
    func sampleRequest(_ form: Form, _ errors: inout PageErrors) throws -> AuditSamplingAPI.Operations.CreateSample.Input.Body? {
        if form["method"] == "list" {
            guard let upload = form.files["file"], !upload.data.isEmpty else {
                errors.add("file", "Select a CSV file of claim_reference and sample_reason")
                return nil
            }
            return .csv(HTTPBody(upload.data))
        }
        guard let year = form["academic_year"].flatMap({ Int($0) }) else {
            errors.add("academic_year", "Enter the academic year's first year, such as \(academicYear(of: site.now()))")
            return nil
        }
        guard let percent = form["share"].flatMap({ Decimal(string: $0.replacingOccurrences(of: "%", with: "")) }), percent > 0, percent <= 100 else {
            errors.add("share", "Enter the share of paid claims to sample, as a percentage more than 0 and at most 100, such as 10")
            return nil
        }
        var body = AuditSamplingAPI.Operations.CreateSample.Input.Body.JsonPayload(
            academicYear: year,
            share: NSDecimalNumber(decimal: percent / 100).doubleValue
        )
        if let seedText = form["seed"] {
            guard seedText.count <= 19, let seed = Int(seedText), seed > 0 else {
                errors.add("seed", "Enter the seed as a whole number of at most 9223372036854775807, or leave it blank for a new one")
                return nil
            }
            body.seed = seed
        }
        return .json(body)
    }

    /// audit-sampling's refusal as the page's errors, and the list's row errors for the table.
    func refusal(_ fields: [ServiceFieldError], detail: String, form: Form, _ errors: inout PageErrors) -> [[String: Any]] {
        let rows = fields.filter { $0.field.hasPrefix("row ") }
        for field in fields where !field.field.hasPrefix("row ") {
            errors.add(
                ["academic_year", "share", "seed"].contains(field.field) ? field.field : (form["method"] == "list" ? "file" : "share"),
                field.message
            )
        }
        if !rows.isEmpty {
            errors.add("file", "The file has \(FileRefusal.count(rows.count)): nothing was sampled. Correct every row listed and upload it again.")
        }
        if errors.isEmpty { errors.add(form["method"] == "list" ? "file" : "share", detail) }
        return rows.map { ["where": FileRefusal.label($0.field), "message": $0.message] }
    }

    func sample(
        _ request: PageRequest,
        sampleID: Int? = nil,
        requestErrors: [Int: FileRefusal] = [:]
    ) async throws -> PageResult {
        let user = try request.supportUser
        let id = try sampleID ?? id(request)
        let sample = try JSONValue(
            try await site.client.auditSampling(as: Actors.support(user)) { try await $0.getSample(path: .init(id: id)).ok.body.json }
        )
        var values = sample.values
        var errors = PageErrors()
        values["providers"] = (sample["providers"]?.array ?? []).map { provider -> [String: Any] in
            var row = provider.values
            let requestID = Int(provider["request_id"]?.integer ?? 0)
            if let refusal = requestErrors[requestID] {
                errors.add("file-\(requestID)", refusal.message)
                row.merge(refusal.values) { $1 }
            }
            return row
        }
        values["title"] = "\(errors.isEmpty ? "" : "Error: ")Sample \(id)"
        values.merge(errors.context) { $1 }
        return .page("support-audit-sample", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func file(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        let id = try id(request)
        let file = try await site.client.auditSampling(as: Actors.support(user)) {
            try await $0.providerRequestCSV(path: .init(id: id)).ok.body.csv.file
        }
        return .csv(file, fileName: "sampling-request-\(id).csv")
    }

    func resend(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        let id = try id(request)
        _ = try await site.client.auditSampling(as: Actors.support(user)) { try await $0.resendProviderRequest(path: .init(id: id)).noContent }
        try await site.sessions.setFlash(request.session, "New links have been emailed to the provider. Earlier links no longer work.")
        guard let sample = request.form["sample_id"].flatMap({ Int($0) }) else { return .redirect("/support/audit") }
        return .redirect("/support/audit/samples/\(sample)")
    }

    func response(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        let id = try id(request)
        guard let sampleID = request.form["sample_id"].flatMap({ Int($0) }) else {
            throw PageError.badRequest("The form is incomplete. Go back and try again.")
        }
        guard let upload = request.form.files["file"], !upload.data.isEmpty else {
            return try await sample(
                request,
                sampleID: sampleID,
                requestErrors: [id: FileRefusal(file: "Select the provider's response file (a CSV)")]
            )
        }
        do {
            let summary = try await site.client.auditSampling(as: Actors.support(user)) {
                try await $0.recordProviderResponse(path: .init(id: id), body: .csv(HTTPBody(upload.data))).ok.body.json
            }
            try await site.sessions.setFlash(request.session, ProviderRoutes.responseMessage(try JSONValue(summary)))
            return .redirect("/support/audit/samples/\(sampleID)")
        } catch ServiceCallError.invalid(let fields, let detail) {
            return try await sample(request, sampleID: sampleID, requestErrors: [id: FileRefusal(fields, detail: detail)])
        }
    }
}
