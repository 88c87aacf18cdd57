namespace MetaLora.Bank;

internal sealed record FetchSummary(int Tasks, int Downloaded, int Kept, long BytesDownloaded, string BankJson);
