namespace MetaLora.IO;

/// <summary>Reading an input file: a missing file (or folder on its path) ends in the tool's one-line error naming it.</summary>
internal static class InputFile
{
    public static FileStream Open(string path, FileShare share = FileShare.Read, int bufferSize = 1 << 16, FileOptions options = FileOptions.None)
    {
        try { return new FileStream(path, FileMode.Open, FileAccess.Read, share, bufferSize, options); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw Missing(path); }
    }

    public static byte[] ReadAllBytes(string path)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw Missing(path); }
    }

    private static BadInputException Missing(string path) => BadInputException.At(path, "file does not exist");
}
