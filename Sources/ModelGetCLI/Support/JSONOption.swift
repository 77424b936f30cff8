import ArgumentParser

/// `--json`: for the commands that have a JSON form of their output.
struct JSONOption: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON object per line instead of text.")
    var json = false
}
