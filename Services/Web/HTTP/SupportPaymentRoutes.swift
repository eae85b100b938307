import ClaimsIntakeAPI
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PaymentsAPI
import ServiceSupport

/// `/support/payments`: sending a window's submitted claims to the payer (a check page first,
/// idempotent against a double click), the runs with their files and links, the payer's
/// responses, clawback runs, and the ledger.
struct SupportPaymentRoutes {
    let site: Site

    func add(to router: Router<ServiceRequestContext>) {
        site.on(router, .get, "/support/payments") { try await home($0) }
        site.on(router, .get, "/support/payments/check") { try await check($0, kind: .payment) }
        site.on(router, .get, "/support/payments/clawback-check") { try await check($0, kind: .clawback) }
        site.on(router, .post, "/support/payments/runs") { try await create($0, kind: .payment) }
        site.on(router, .post, "/support/payments/clawback-runs") { try await create($0, kind: .clawback) }
        site.on(router, .get, "/support/payments/ledger") { try await ledger($0) }
        for kind in [RunKind.payment, .clawback] {
            site.on(router, .get, RouterPath("/support/payments/\(kind.path)/:id")) { try await run($0, kind: kind) }
            site.on(router, .get, RouterPath("/support/payments/\(kind.path)/:id/file")) { try await file($0, kind: kind) }
            site.on(router, .post, RouterPath("/support/payments/\(kind.path)/:id/resend")) { try await resend($0, kind: kind) }
            site.on(router, .post, RouterPath("/support/payments/\(kind.path)/:id/response")) { try await response($0, kind: kind) }
        }
    }

    func runID(_ request: PageRequest) throws -> Int {
        guard let text = request.parameter("id"), text.count <= 12, let id = Int(text), id > 0 else { throw PageError.notFound }
        return id
    }

    func home(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        let actor = Actors.support(user)
        let client = site.client
        async let windowsCall = outcome { try await client.windows(as: actor) }
        async let runsCall = outcome { try JSONValue(try await client.payments(as: actor) { try await $0.listPaymentRuns().ok.body.json }) }
        async let clawbackRunsCall = outcome { try JSONValue(try await client.payments(as: actor) { try await $0.listClawbackRuns().ok.body.json }) }
        async let loopCall = outcome { try await client.claimCount([.paymentInformationRequested, .paymentInformationSent], as: actor) }
        async let readyCall = outcome {
            try JSONValue(try await client.payments(as: actor) { try await $0.listPayable(query: .init(kind: .clawback)).ok.body.json })
        }
        let (windows, runs, clawbackRuns, loop, ready) = await (windowsCall, runsCall, clawbackRunsCall, loopCall, readyCall)
        var values: [String: Any] = ["title": "Payments"]
        values["windows"] = try windows.get().filter { $0.state != .upcoming }.map {
            [
                "id": $0.id,
                "label": "\(Presentation.academicYear($0.academicYear)): \(Presentation.date($0.opensOn)) to \(Presentation.date($0.closesOn))",
                "current": $0.state == .current,
            ]
        }
        values["runs"] = try runs.get().items
        values["hasRuns"] = !(try runs.get().items.isEmpty)
        values["clawbackRuns"] = try clawbackRuns.get().items
        values["hasClawbackRuns"] = !(try clawbackRuns.get().items.isEmpty)
        let inLoop = try loop.get()
        values["inLoop"] = inLoop == 1 ? "1 claim" : "\(inLoop) claims"
        values["hasLoop"] = inLoop > 0
        let clawbacks = try ready.get()
        let count = Int(clawbacks["claim_count"]?.integer ?? 0)
        values["clawbacksReady"] = count == 1 ? "1 approved clawback" : "\(count) approved clawbacks"
        values["hasClawbacksReady"] = count > 0
        values["year"] = academicYear(of: site.now())
        return .page("support-payments", values)
    }

    /// The check page: how many claims and how much, before anything is sent.
    func check(_ request: PageRequest, kind: RunKind) async throws -> PageResult {
        let user = try request.supportUser
        let window = request.query("claim_window_id")
        if let window, window.count > 12 || Int(window) == nil { throw PageError.notFound }
        let query =
            kind == .payment ? PaymentsAPI.Operations.ListPayable.Input.Query(claimWindowId: window.flatMap { Int($0) }) : .init(kind: .clawback)
        let payable = try JSONValue(try await site.client.payments(as: Actors.support(user)) { try await $0.listPayable(query: query).ok.body.json })
        let count = Int(payable["claim_count"]?.integer ?? 0)
        var values: [String: Any] = [
            "title": kind == .payment ? "Check the claims to send to the payer" : "Check the clawbacks to send to the payer",
            "isPayment": kind == .payment, "action": "/support/payments/\(kind.path)", "claimWindowId": window ?? "",
            "count": count == 1 ? "1 claim" : "\(count) claims", "total": MoneyText.pounds(payable["total_pence"]?.integer ?? 0),
            "nothing": count == 0,
            // One key per check page: a second click of the button sends the same key, and
            // payments answers it with the run the first click made.
            "idempotencyKey": Secrets.random(),
        ]
        if let window,
            let windows = try? await site.client.windows(as: Actors.support(user)),
            let chosen = windows.first(where: { "\($0.id)" == window })
        {
            values["window"] =
                "\(Presentation.academicYear(chosen.academicYear)) window, \(Presentation.date(chosen.opensOn)) to \(Presentation.date(chosen.closesOn))"
        }
        return .page("support-payments-check", values)
    }

    func create(_ request: PageRequest, kind: RunKind) async throws -> PageResult {
        let user = try request.supportUser
        guard let key = request.form["idempotency_key"], key.count <= 100 else {
            throw PageError.badRequest("The form is incomplete. Go back and try again.")
        }
        var body = PaymentsAPI.Components.Schemas.NewRun()
        if kind == .payment, let window = request.form["claim_window_id"] {
            guard window.count <= 12, let id = Int(window) else {
                throw PageError.badRequest("The claim window is not one of the service's. Go back and choose one.")
            }
            body.claimWindowId = id
        }
        do {
            let run = try JSONValue(try await site.client.payments(as: Actors.support(user)) { try await kind.create($0, body, idempotencyKey: key) })
            let id = run["id"]?.integer ?? 0
            let count = run["claim_count"]?.integer ?? 0
            try await site.sessions.setFlash(
                request.session,
                "\(kind.name) \(id) sent: \(count == 1 ? "1 claim" : "\(count) claims"), \(MoneyText.pounds(run["total_pence"]?.integer ?? 0)). The payer has been emailed a link to the file."
            )
            return .redirect("/support/payments/\(kind.path)/\(id)")
        } catch ServiceCallError.conflict(_, let detail) {
            try await site.sessions.setFlash(request.session, detail, important: true)
            return .redirect("/support/payments")
        }
    }

    func run(_ request: PageRequest, kind: RunKind, refusal: FileRefusal? = nil) async throws -> PageResult {
        let user = try request.supportUser
        let id = try runID(request)
        let run = try JSONValue(try await site.client.payments(as: Actors.support(user)) { try await kind.run($0, id) })
        var values = run.values
        values["title"] = "\(refusal != nil ? "Error: " : "")\(kind.name) \(id)"
        values["kindName"] = kind.name
        values["isPayment"] = kind == .payment
        values["base"] = "/support/payments/\(kind.path)/\(id)"
        values["claims"] = run["claims"].map { JSONValue.array($0.array).items } ?? []
        if let refusal {
            values["rowErrors"] = refusal.rows
            values["hasRowErrors"] = !refusal.rows.isEmpty
            var pageErrors = PageErrors()
            pageErrors.add(refusal.file == nil ? "row-errors" : "file", refusal.message)
            values.merge(pageErrors.context) { $1 }
        }
        return .page("support-payments-run", values, status: refusal == nil ? .ok : .unprocessableContent)
    }

    func file(_ request: PageRequest, kind: RunKind) async throws -> PageResult {
        let user = try request.supportUser
        let id = try runID(request)
        let file = try await site.client.payments(as: Actors.support(user)) { try await kind.csv($0, id).file }
        return .csv(file, fileName: "\(kind == .payment ? "payment" : "clawback")-run-\(id).csv")
    }

    func resend(_ request: PageRequest, kind: RunKind) async throws -> PageResult {
        let user = try request.supportUser
        let id = try runID(request)
        try await site.client.payments(as: Actors.support(user)) { try await kind.resend($0, id) }
        try await site.sessions.setFlash(request.session, "A new link has been emailed to the payer. Earlier links no longer work.")
        return .redirect("/support/payments/\(kind.path)/\(id)")
    }

    func response(_ request: PageRequest, kind: RunKind) async throws -> PageResult {
        let user = try request.supportUser
        let id = try runID(request)
        guard let upload = request.form.files["file"], !upload.data.isEmpty else {
            return try await run(request, kind: kind, refusal: FileRefusal(file: "Select the payer's response file (a CSV)"))
        }
        do {
            let reply = try JSONValue(try await site.client.payments(as: Actors.support(user)) { try await kind.response($0, id, upload.data) })
            let message: String
            if reply["already_applied"]?.bool == true {
                message = "This response had already been applied: nothing changed."
            } else if kind == .payment {
                message =
                    "Response applied: \(reply["paid"]?.integer ?? 0) paid, \(reply["information_requested"]?.integer ?? 0) the payer needs information about, \(reply["unchanged"]?.integer ?? 0) unchanged."
            } else {
                message = "Response applied: \(reply["clawback_complete"]?.integer ?? 0) clawed back, \(reply["unchanged"]?.integer ?? 0) unchanged."
            }
            try await site.sessions.setFlash(request.session, message)
            return .redirect("/support/payments/\(kind.path)/\(id)")
        } catch ServiceCallError.invalid(let fields, let detail) {
            return try await run(request, kind: kind, refusal: FileRefusal(fields, detail: detail))
        }
    }

    func ledger(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        var entered: [String: String] = [:]
        for name in ["academic_year", "school_urn"] { entered[name] = request.query(name).map { String($0.prefix(10)) } }
        var values: [String: Any] = ["title": "Ledger", "entered": entered]
        // Read as payments reads them, with its messages; a field left blank is no filter.
        var reader = QueryReader(pairs: ["academic_year", "school_urn"].compactMap { name in request.query(name).map { (name, $0) } })
        let year = reader.academicYear()
        let urn = reader.urn("school_urn")
        guard reader.errors.isEmpty else {
            var errors = PageErrors()
            for field in reader.errors { errors.add(field.field, field.message) }
            values["title"] = "Error: Ledger"
            values.merge(errors.context) { $1 }
            return .page("support-payments-ledger", values, status: .unprocessableContent)
        }
        let ledger = try JSONValue(
            try await site.client.payments(as: Actors.support(user)) {
                try await $0.ledger(query: .init(academicYear: year, schoolUrn: urn)).ok.body.json
            }
        )
        values["lines"] = ledger.items
        values["hasLines"] = !ledger.items.isEmpty
        values["totals"] = ledger["totals"]?.values ?? [:]
        return .page("support-payments-ledger", values)
    }
}
