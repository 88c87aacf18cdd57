namespace MetaLora.Bank;

public sealed record FetchSummary(int Tasks, int Downloaded, int Kept, long BytesDownloaded, string BankJson);
