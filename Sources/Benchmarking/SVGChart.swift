import Foundation

/// A small line chart written as SVG by hand (no plotting library is installed by default; the picture needs
/// nothing but text): panels side by side, each with a logarithmic x axis and a linear y axis from 0.
package struct SVGChart: Sendable {
    /// One line of a panel.
    package struct Series: Sendable {
        package var name: String
        package var color: String
        package var points: [(x: Double, y: Double)]

        package init(name: String, color: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.color = color
            self.points = points
        }
    }

    /// One panel: a title, axis labels and its series.
    package struct Panel: Sendable {
        package var title: String
        package var xLabel: String
        package var yLabel: String
        package var series: [Series]

        package init(title: String, xLabel: String, yLabel: String, series: [Series]) {
            self.title = title
            self.xLabel = xLabel
            self.yLabel = yLabel
            self.series = series
        }
    }

    package var title: String
    package var panels: [Panel]
    static let panelWidth = 420.0
    static let panelHeight = 300.0
    static let margin = (left: 60.0, right: 20.0, top: 50.0, bottom: 50.0)

    package init(title: String, panels: [Panel]) {
        self.title = title
        self.panels = panels
    }

    /// The chart as an SVG document.
    package var svg: String {
        let width = Double(panels.count) * (Self.panelWidth + Self.margin.left + Self.margin.right)
        let height = Self.panelHeight + Self.margin.top + Self.margin.bottom + 20
        var out = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(Int(width / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"15\">\(Self.escape(title))</text>",
        ]
        for (index, panel) in panels.enumerated() {
            let originX = Double(index) * (Self.panelWidth + Self.margin.left + Self.margin.right) + Self.margin.left
            out += Self.draw(panel, originX: originX, originY: Self.margin.top)
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    static func draw(_ panel: Panel, originX: Double, originY: Double) -> [String] {
        let points = panel.series.flatMap(\.points).filter { $0.x > 0 && $0.y.isFinite }
        let xs = points.map(\.x)
        let minX = log10(xs.min() ?? 1)
        let maxX = max(log10(xs.max() ?? 10), minX + 1e-9)
        let maxY = niceCeiling(points.map(\.y).max() ?? 1)
        func px(_ x: Double) -> Double { originX + (log10(x) - minX) / (maxX - minX) * panelWidth }
        func py(_ y: Double) -> Double { originY + panelHeight - y / maxY * panelHeight }
        let bottom = originY + panelHeight
        var out = [
            "<text x=\"\(f(originX + panelWidth / 2))\" y=\"\(f(originY - 12))\" text-anchor=\"middle\" font-size=\"13\">\(escape(panel.title))</text>",
            "<line x1=\"\(f(originX))\" y1=\"\(f(bottom))\" x2=\"\(f(originX + panelWidth))\" y2=\"\(f(bottom))\" stroke=\"black\"/>",
            "<line x1=\"\(f(originX))\" y1=\"\(f(originY))\" x2=\"\(f(originX))\" y2=\"\(f(bottom))\" stroke=\"black\"/>",
            "<text x=\"\(f(originX + panelWidth / 2))\" y=\"\(f(bottom + 36))\" text-anchor=\"middle\">\(escape(panel.xLabel))</text>",
            "<text transform=\"translate(\(f(originX - 45)),\(f(originY + panelHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(panel.yLabel))</text>",
        ]
        for x in Set(xs).sorted() {
            out.append(
                "<text x=\"\(f(px(x)))\" y=\"\(f(bottom + 16))\" text-anchor=\"middle\">\(x.formatted(decimals: 0))</text>"
            )
        }
        for step in 0...4 {
            let y = maxY * Double(step) / 4
            out.append(
                "<line x1=\"\(f(originX))\" y1=\"\(f(py(y)))\" x2=\"\(f(originX + panelWidth))\" y2=\"\(f(py(y)))\" stroke=\"#ddd\"/>"
            )
            out.append(
                "<text x=\"\(f(originX - 6))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\">\(y.formatted(decimals: y < 10 ? 1 : 0))</text>"
            )
        }
        for (n, series) in panel.series.enumerated() {
            let line = series.points.filter { $0.x > 0 && $0.y.isFinite }.map { "\(f(px($0.x))),\(f(py($0.y)))" }
            out.append(
                "<polyline fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"2\" points=\"\(line.joined(separator: " "))\"/>"
            )
            for point in series.points where point.x > 0 && point.y.isFinite {
                out.append(
                    "<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"3\" fill=\"\(series.color)\"/>"
                )
            }
            let legendY = originY + 14 + Double(n) * 16
            out.append(
                "<rect x=\"\(f(originX + 10))\" y=\"\(f(legendY - 9))\" width=\"12\" height=\"3\" fill=\"\(series.color)\"/>"
            )
            out.append("<text x=\"\(f(originX + 28))\" y=\"\(f(legendY - 4))\">\(escape(series.name))</text>")
        }
        return out
    }

    /// The next of 1, 2, 5 times a power of ten at or above `value` (the y axis top).
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let power = pow(10, floor(log10(value)))
        for step in [1.0, 2, 5, 10] where step * power >= value { return step * power }
        return 10 * power
    }

    static func f(_ value: Double) -> String { value.formatted(decimals: 1) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}

extension Double {
    fileprivate func formatted(decimals: Int) -> String { String(format: "%.\(decimals)f", self) }
}
