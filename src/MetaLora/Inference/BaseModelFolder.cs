using MetaLora.Bank;
using MetaLora.Model;

namespace MetaLora.Inference;

/// <summary>Where a bank keeps the base model Infer and <c>lora serve</c> load.</summary>
internal static class BaseModelFolder
{
    public static string Of(BankInfo bank)
    {
        var dir = Path.Combine(bank.Directory, bank.BaseModel ?? "base_model");
        return MistralCheckpoint.Exists(dir) ? dir
            : throw BadInputException.At(dir, "no base model weights (config.json and *.safetensors); the Lots-of-LoRAs bank needs --include-base-model for inference");
    }
}
