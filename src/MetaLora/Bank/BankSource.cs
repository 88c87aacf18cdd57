using MetaLora.Hub;

namespace MetaLora.Bank;

/// <summary>One task of a Hugging Face bank: its name in the bank, its adapter repo and its dataset repo.</summary>
internal sealed record BankSource(int Index, string Task, HubRepo Adapter, HubRepo Dataset);
