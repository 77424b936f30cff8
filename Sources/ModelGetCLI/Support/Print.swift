/// `print` as the commands call it: it shadows `Swift.print` in this
/// module, so whatever a command prints goes to the running command's
/// `OutputSink`, formatted as `Swift.print` formats it.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    CommandOutput.sink.printed(items.map { "\($0)" }.joined(separator: separator) + terminator)
}
