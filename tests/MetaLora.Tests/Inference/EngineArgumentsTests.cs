using MetaLora.Inference.OpenAi;
using MetaLora.Study;

namespace MetaLora.Tests.Inference;

/// <summary>The engine's study arguments, as the stage graph turns them into Infer stages and Slurm shards.</summary>
public sealed class EngineArgumentsTests
{
    private static StageGraph Graph(params string[] args) => new(StudyOptions.FromCommandLine(["--target=Infer", .. args]));

    [Fact]
    public void Local_Infer_stages_keep_their_parameters_and_command_and_openai_ones_name_the_server()
    {
        var local = Graph().Group("Infer").Single(s => s.Name == "Infer.finetuned");
        Assert.Equal(["bank-dir", "batch-size", "limit", "max-new-tokens", "pipeline"], local.Params.Keys.ToArray());
        Assert.Contains("data/embedded/base_model/*", local.Deps);
        Assert.DoesNotContain("--engine", local.Command);

        var served = Graph("--engine=openai", "--endpoint=http://gpu1:8000/v1/", "--served-model=mistral", "--server-path-map=/shared=/mnt/shared,data=/srv/data",
            "--concurrency=64", "--api-key-env=VLLM_KEY").Group("Infer").Single(s => s.Name == "Infer.finetuned");
        Assert.Equal(new SortedDictionary<string, string>
        {
            ["api-key-env"] = "VLLM_KEY", ["bank-dir"] = "data/embedded", ["concurrency"] = "64", ["endpoint"] = "http://gpu1:8000", ["engine"] = "openai",
            ["limit"] = "0", ["max-new-tokens"] = "bank.json", ["pipeline"] = "finetuned", ["served-model"] = "mistral", ["server-path-map"] = "/shared=/mnt/shared,data=/srv/data",
        }, served.Params);
        Assert.Equal("--engine openai --endpoint http://gpu1:8000 --served-model mistral --server-path-map /shared=/mnt/shared --server-path-map data=/srv/data --concurrency 64 --api-key-env VLLM_KEY",
            string.Join(' ', served.Command.SkipWhile(w => w != "--engine")));
        // The server has its own copy of the model: the bank's weights are no input then.
        Assert.DoesNotContain("data/embedded/base_model/*", served.Deps);
    }

    [Fact]
    public void Slurm_shards_get_the_engine_and_a_bundle_records_the_server_but_never_a_key()
    {
        var graph = Graph("--engine=openai", "--endpoint=http://gpu1:8000", "--executor=slurm", "--shards=8");
        Assert.Equal("--engine openai --endpoint http://gpu1:8000 --concurrency 32 --api-key-env OPENAI_API_KEY",
            string.Join(' ', graph.SlurmSubmitCommand!.SkipWhile(w => w != "--engine")));
        var recorded = graph.Study.Recorded();
        Assert.Equal(("openai", "http://gpu1:8000", "OPENAI_API_KEY"), (recorded["engine"], recorded["endpoint"], recorded["api-key-env"]));
        Assert.DoesNotContain("engine", Graph().Study.Recorded().Keys);
    }

    [Fact]
    public void Path_maps_replace_the_longest_matching_prefix_and_leave_other_paths_as_they_are()
    {
        var map = ServerPathMap.Parse(["/shared=/mnt/shared", "/shared/data=/srv/data/"]);
        Assert.Equal("/srv/data/predicted_adapters/KL/base_version/task001", map.ToServer("/shared/data/predicted_adapters/KL/base_version/task001"));
        Assert.Equal("/mnt/shared/lol/adapters/task001", map.ToServer("/shared/lol/adapters/task001"));
        Assert.Equal("/mnt/shared", map.ToServer("/shared"));
        Assert.Equal("/sharedother/x", map.ToServer("/sharedother/x"));
        Assert.Equal("/srv/x", ServerPathMap.Parse([]).ToServer("/srv/x"));
        Assert.Throws<BadInputException>(() => ServerPathMap.Parse(["/a=relative"]));
        Assert.Equal("http://h:1/x", OpenAiClient.NormalizeEndpoint("http://h:1/x/v1/"));
        Assert.Throws<BadInputException>(() => OpenAiClient.NormalizeEndpoint("http://user:pw@h:1"));
    }
}
