/// Money as people read it, from integer pence: `£1,072.00`, `£0.05`, `-£15.00`. Emails and
/// pages write amounts this way.
public enum MoneyText {
    /// Pounds with thousands separators and two decimals.
    public static func pounds(_ pence: Int64) -> String {
        let magnitude = pence.magnitude
        var digits = String(magnitude / 100)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits = String(digits.dropLast(3))
        }
        let fraction = magnitude % 100
        return (pence < 0 ? "-" : "") + "£" + digits + grouped + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }
}
