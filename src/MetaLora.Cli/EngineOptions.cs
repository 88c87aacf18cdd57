using System.CommandLine;
using MetaLora.Bank.Embedded;
using MetaLora.Inference.OpenAi;
using MetaLora.Inference;

namespace MetaLora.Cli;

/// <summary>
/// <c>--engine</c> and the options of the openai engine, shared by <c>lora infer</c> and <c>lora slurm
/// submit</c> (whose shards all send to the same server).
/// </summary>
internal sealed class EngineOptions
{
    public readonly Option<string> Engine = new Option<string>("--engine")
    {
        Description = "local: generate with the tool's own model (TorchSharp). openai: send the prompts to an OpenAI-compatible server " +
                      "(vLLM, lora serve) at --endpoint; adapters are loaded there at run time (vLLM: VLLM_ALLOW_RUNTIME_LORA_UPDATING=True).",
        DefaultValueFactory = _ => InferEngineNames.Default.Name(),
    }.AcceptOnlyFromAmong([.. InferEngineNames.Table.Values.Select(e => e.Name())]);

    public readonly Option<string?> Endpoint = new("--endpoint") { Description = "The server's URL, e.g. http://gpu1:8000 (--engine openai)." };

    public readonly Option<string?> ServedModel = new("--served-model")
    {
        Description = "The base model's name on the server (default: the entry of /v1/models without a parent).",
    };

    public readonly Option<string[]> PathMap = new("--server-path-map")
    {
        Description = "LOCAL=REMOTE: the server reads the folder LOCAL (and below) as REMOTE, for a server that mounts the folders elsewhere. Repeatable.",
        AllowMultipleArgumentsPerToken = false,
    };

    public readonly Option<int> Concurrency = new("--concurrency")
    {
        Description = "Requests in flight at once, for the server to batch.",
        DefaultValueFactory = _ => OpenAiServerOptions.DefaultConcurrency,
    };

    public readonly Option<string> ApiKeyEnv = new("--api-key-env")
    {
        Description = "The environment variable holding the server's API key (sent as a bearer token; never printed or written).",
        DefaultValueFactory = _ => OpenAiServerOptions.DefaultApiKeyVariable,
    };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Engine, Endpoint, ServedModel, PathMap, Concurrency, ApiKeyEnv }) command.Options.Add(o);
    }

    /// <summary>The server settings for --engine openai (checked), or null for the local engine (server options then refused).</summary>
    public OpenAiServerOptions? Resolve(ParseResult parse)
    {
        var endpoint = parse.GetValue(Endpoint);
        if (parse.GetValue(Engine) != InferEngineNames.OpenAi)
        {
            if (endpoint is not null || parse.GetValue(ServedModel) is not null || (parse.GetValue(PathMap)?.Length ?? 0) > 0)
                throw new BadInputException("--endpoint, --served-model and --server-path-map need --engine openai");
            return null;
        }
        if (endpoint is null) throw new BadInputException("--engine openai needs --endpoint URL (the server's URL, e.g. http://localhost:8000)");
        var concurrency = parse.GetValue(Concurrency);
        if (concurrency < 1) throw new BadInputException($"--concurrency={concurrency}: expected a whole number >= 1");
        var variable = parse.GetValue(ApiKeyEnv)!;
        if (!ApiKeyVariable.IsValid(variable))
            throw new BadInputException($"--api-key-env={variable}: expected an environment variable's name (letters, digits, _)");
        // Repeated, or as the build script passes them, a comma list.
        var maps = (parse.GetValue(PathMap) ?? []).SelectMany(m => m.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
        ServerPathMap.Parse(maps);
        var served = parse.GetValue(ServedModel);
        if (served is not null && served.Trim().Length == 0) throw new BadInputException("--served-model is empty");
        return new OpenAiServerOptions
        {
            Endpoint = OpenAiClient.NormalizeEndpoint(endpoint),
            ServedModel = served,
            PathMaps = maps,
            Concurrency = concurrency,
            ApiKeyVariable = variable,
        };
    }

    /// <summary>The same options as words, for a shard's command line (the key stays in the environment).</summary>
    public static IEnumerable<string> Words(OpenAiServerOptions? server)
    {
        if (server is null) yield break;
        yield return "--engine";
        yield return InferEngineNames.OpenAi;
        yield return "--endpoint";
        yield return server.Endpoint;
        if (server.ServedModel is { } served)
        {
            yield return "--served-model";
            yield return served;
        }
        foreach (var map in server.PathMaps)
        {
            yield return "--server-path-map";
            yield return map;
        }
        yield return "--concurrency";
        yield return server.Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "--api-key-env";
        yield return server.ApiKeyVariable;
    }
}
