namespace MetaLora.Reporting.Publish;

public sealed record PublishResult(string Path, string Sha256, BundleManifest Manifest);
