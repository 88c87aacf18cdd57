using MetaLora.Tests.Support;

namespace MetaLora.Tests.Serving;

/// <summary>
/// One <c>lora serve</c> for the hostile-input campaign, with an API key, over <see cref="ServeBank"/>, allowed
/// to load adapters from one more folder (<see cref="Allowed"/>, holding a copy of an adapter, a folder that is
/// not one, and symbolic links leading out), with another copy of the adapter outside every allowed folder.
/// </summary>
public sealed class HostileServer : IDisposable
{
    public const string Key = "sk-hostile-1b2c3d4e5f60718293a4b5c6d7e8f901";

    public HostileServer()
    {
        Allowed = Bank.Folder("allowed");
        Outside = Bank.Folder("outside");
        Copy(Bank.Adapter, Path.Combine(Allowed, "copy"));
        Copy(Bank.Adapter, Path.Combine(Outside, "copy"));
        Directory.CreateDirectory(Path.Combine(Allowed, "not-an-adapter"));
        Directory.CreateSymbolicLink(Path.Combine(Allowed, "to-etc"), "/etc");
        Directory.CreateSymbolicLink(Path.Combine(Allowed, "to-outside"), Path.Combine(Outside, "copy"));
        Directory.CreateSymbolicLink(Path.Combine(Allowed, "to-bank-adapter"), Bank.Adapter);
        Server = Bank.Serve(new Dictionary<string, string?> { ["HOSTILE_KEY"] = Key }, "--api-key-env", "HOSTILE_KEY", "--allow-adapter-dir", Allowed);
        Client = new ServeClient(Server.Url, Key);
    }

    public ServeBank Bank { get; } = new();
    public string Allowed { get; }
    public string Outside { get; }
    public ServeProcess Server { get; }

    /// <summary>A client with the right key.</summary>
    public ServeClient Client { get; }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
        Bank.Dispose();
    }
}
