import ArgumentParser
import ModelGet

/// The subcommands' names and aliases, to name the command a usage error
/// is about and to answer an unknown one with the command meant.
enum CommandNames {
    /// What other tools call the commands modelget has under another name.
    static let synonyms = [
        "remove": "rm", "delete": "rm", "rmi": "rm", "images": "list", "download": "pull", "upload": "push",
        "mirror": "sync", "inspect": "show", "info": "show", "clean": "prune", "mv": "cp", "search": "tags",
    ]

    /// Every name a subcommand answers to, with the name it shows in help.
    static var all: [(name: String, canonical: String)] {
        ModelGetCommand.configuration.subcommands.flatMap { command in
            let name = command._commandName
            return [(name, name)] + command.configuration.aliases.map { ($0, name) }
        }
    }

    /// The subcommand `arguments` run, if the first one names one.
    static func command(in arguments: [String]) -> String? {
        guard let first = arguments.first else { return nil }
        return all.first { $0.name == first }?.canonical
    }

    /// A first argument that names no command (and is no flag): its error
    /// line and a hint naming the command meant, or the list.
    static func unknown(in arguments: [String]) -> (message: String, hint: String)? {
        guard let first = arguments.first, !first.hasPrefix("-"), first != "help", command(in: arguments) == nil else { return nil }
        let shown = DisplayText.line(first, limit: 40)
        guard let meant = suggestion(for: first) else {
            return ("unknown command '\(shown)'", "hint: modelget --help lists the commands")
        }
        return ("unknown command '\(shown)' — did you mean '\(meant)'?", "hint: modelget \(meant) --help shows its flags, with examples")
    }

    /// The command `word` most likely meant: a synonym from another tool, a
    /// name it starts or is the start of, or one within two typing errors.
    static func suggestion(for word: String) -> String? {
        let word = word.lowercased()
        if let synonym = synonyms[word] { return synonym }
        let names = all
        if let prefix = names.first(where: { word.count >= 2 && ($0.name.hasPrefix(word) || word.hasPrefix($0.name)) }) {
            return prefix.canonical
        }
        let scored = names.map { (distance(word, $0.name), $0.canonical) }.filter { $0.0 <= 2 }
        return scored.min { $0.0 < $1.0 }?.1
    }

    /// Levenshtein distance between two short words.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
