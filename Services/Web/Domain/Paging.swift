import Foundation

/// The GOV.UK pagination of a list: previous and next, the first and last pages, and the pages
/// around the current one, with ellipses between.
struct Paging: Equatable {
    struct Item: Equatable {
        var number: Int?
        var current: Bool
        /// An ellipsis between page numbers.
        var gap: Bool { number == nil }
    }
    var page: Int
    var pages: Int
    var items: [Item]

    init(page: Int, perPage: Int, total: Int) {
        pages = max(1, (total + perPage - 1) / perPage)
        self.page = min(max(1, page), pages)
        var numbers: [Int] = []
        for number in [1, self.page - 1, self.page, self.page + 1, pages] where (1...pages).contains(number) && !numbers.contains(number) {
            numbers.append(number)
        }
        numbers.sort()
        var items: [Item] = []
        for (index, number) in numbers.enumerated() {
            if index > 0 && number - numbers[index - 1] > 1 { items.append(Item(number: nil, current: false)) }
            items.append(Item(number: number, current: number == self.page))
        }
        self.items = items
    }

    /// The template's values, with links made by `href`; empty when everything fits on one page.
    func values(_ href: (Int) -> String) -> [String: Any] {
        guard pages > 1 else { return [:] }
        var values: [String: Any] = [
            "items": items.map { item -> [String: Any] in
                guard let number = item.number else { return ["gap": true] }
                return ["number": number, "href": href(number), "current": item.current]
            }
        ]
        if page > 1 { values["previous"] = href(page - 1) }
        if page < pages { values["next"] = href(page + 1) }
        return ["pagination": values]
    }
}
