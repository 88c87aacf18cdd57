namespace MetaLora.Study;

/// <summary>Why a stage must run, or that it need not.</summary>
internal sealed record StageStatus(bool UpToDate, string Reason);
