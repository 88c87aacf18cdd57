namespace MetaLora;

/// <summary>
/// Input the user can fix: a file or argument that is missing, malformed or inconsistent.
/// The message is one line naming the file (and line, item) and the problem; the tool prints it
/// without a stack trace and exits non-zero.
/// </summary>
public sealed class BadInputException(string message) : Exception(message)
{
    /// <summary>"path: problem", or "path:line: problem" when a line is known.</summary>
    public static BadInputException At(string path, string problem, int line = 0) =>
        new(line > 0 ? $"{path}:{line}: {problem}" : $"{path}: {problem}");
}
