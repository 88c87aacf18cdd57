namespace MetaLora.Reporting.Publish;

internal sealed record PublishResult(string Path, string Sha256, BundleManifest Manifest);
