using System.Globalization;
using MetaLora.Cli.Bench;
using MetaLora.Reporting;
using MetaLora.Stages;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.Reporting;

/// <summary>results/report.html opened in headless Chromium with the network blocked, as a reader would use it.</summary>
public sealed class ReportBrowserTests(HeadlessBrowser browser) : IClassFixture<HeadlessBrowser>, IDisposable
{
    private readonly TempDir _work = new();

    public void Dispose() => _work.Dispose();

    private async Task<(HeadlessPage Page, Summary Summary, string Html)> OpenStudy()
    {
        var (data, results) = ReportPageTests.HostileStudy(_work.Path, tasks: 6);
        ReportStage.WritePage(data, results, SyntheticStudy.PaperPipelines);
        var page = await browser.OpenAsync(results.ReportHtml);
        return (page, Summary.Read(results.SummaryJson), results.ReportHtml);
    }

    [BrowserFact]
    public async Task The_page_loads_without_errors_or_requests_and_its_numbers_are_the_summarys()
    {
        var (page, summary, _) = await OpenStudy();
        await using var _ = page;
        page.AssertClean();
        Assert.Empty(page.Dialogs);
        Assert.Equal("undefined", await page.EvaluateAsync<string>("typeof window.pwned"));

        // The rendered table, cell by cell, against summary.json.
        var rows = await page.EvaluateAsync<string[][]>(
            "Array.from(document.querySelectorAll('#headline tbody tr')).map(r => [r.dataset.pipeline, ...Array.from(r.querySelectorAll('td')).map(c => c.dataset.value)])");
        Assert.Equal(summary.Pipelines.Select(l => l.Pipeline), rows.Select(r => r[0]));
        foreach (var row in rows)
        {
            var line = summary.Pipelines.Single(l => l.Pipeline == row[0]);
            Assert.Equal(line.Tasks.ToString(CultureInfo.InvariantCulture), row[1]);
            Assert.Equal(line.Mean, row[2..6].Select(v => double.Parse(v, CultureInfo.InvariantCulture)));
            Assert.Equal(line.VsBase?.MeanDifference, row[7].Length == 0 ? null : double.Parse(row[7], CultureInfo.InvariantCulture));
            Assert.Equal(line.VsBase?.PValue, row[8].Length == 0 ? null : double.Parse(row[8], CultureInfo.InvariantCulture));
        }
        // What a reader sees: the best pipeline's mean and interval as text in its row.
        var best = summary.Pipelines.Single(l => l.Pipeline == summary.BestCpuPipeline);
        var text = await page.EvaluateAsync<string>($"document.querySelector('#headline tr[data-pipeline=\"{best.Pipeline}\"]').innerText");
        Assert.Contains(best.Mean[2].ToString("F3", CultureInfo.InvariantCulture), text);
        Assert.Contains(best.VsBase!.MeanDifference.ToString("+0.000;-0.000", CultureInfo.InvariantCulture).Replace("-", "−"), text);

        var shot = Screenshot.Measure(await page.ScreenshotAsync());
        Assert.False(shot.IsBlank, $"{shot}");
    }

    [BrowserFact]
    public async Task Clicking_a_header_sorts_the_rows_by_that_column_both_ways()
    {
        var (page, summary, _) = await OpenStudy();
        await using var _ = page;
        const string order = "Array.from(document.querySelectorAll('#headline tbody tr')).map(r => r.dataset.pipeline)";
        Assert.Equal(summary.Pipelines.Select(l => l.Pipeline), await page.EvaluateAsync<string[]>(order));

        // The rougeL column: the 5th header (pipeline, tasks, exact_match, subsequence_match, rougeL).
        await page.ClickAsync("#headline thead th:nth-child(5)");
        var ascending = summary.Pipelines.OrderBy(l => l.Mean[2]).Select(l => l.Pipeline).ToArray();
        Assert.Equal(ascending, await page.EvaluateAsync<string[]>(order));
        await page.ClickAsync("#headline thead th:nth-child(5)");
        Assert.Equal(ascending.Reverse(), await page.EvaluateAsync<string[]>(order));
        Assert.Equal("descending", await page.EvaluateAsync<string>("document.querySelector('#headline thead th:nth-child(5)').getAttribute('aria-sort')"));
        page.AssertClean();
    }

    [BrowserFact]
    public async Task The_filter_finds_a_task_whose_drill_down_shows_its_generations_with_hostile_text_as_text()
    {
        var (page, summary, _) = await OpenStudy();
        await using var _ = page;
        const string visible = "Array.from(document.querySelectorAll('details.task')).filter(d => d.checkVisibility()).map(d => d.dataset.task)";
        Assert.Equal(6, (await page.EvaluateAsync<string[]>(visible)).Length);

        await page.TypeAsync("#task-filter", "task000");
        Assert.Equal(["task000_synthetic"], await page.EvaluateAsync<string[]>(visible));
        Assert.Equal("1 of 6 tasks", await page.EvaluateAsync<string>("document.getElementById('task-count').textContent"));

        // Collapsed until opened; then the first sample's texts are visible, the hostile ones as plain text.
        const string first = "document.querySelector('details.task[data-task=\"task000_synthetic\"] .sample')";
        Assert.False(await page.EvaluateAsync<bool>($"{first}.querySelector('.reference').checkVisibility()"));
        await page.ClickAsync("details.task[data-task=\"task000_synthetic\"] > summary");
        Assert.True(await page.EvaluateAsync<bool>($"{first}.querySelector('.reference').checkVisibility()"));
        Assert.Equal(ReportPageTests.HostileInput, await page.EvaluateAsync<string>($"{first}.querySelector('.input').textContent"));
        Assert.Equal(ReportPageTests.HostileReference, await page.EvaluateAsync<string>($"{first}.querySelector('.reference').textContent"));
        var generations = await page.EvaluateAsync<string[][]>($"Array.from({first}.querySelectorAll('.gen')).map(g => [g.dataset.pipeline, g.innerText])");
        Assert.Equal(["base", "finetuned", summary.BestCpuPipeline!], generations.Select(g => g[0]));
        Assert.All(generations, g => Assert.Equal(ReportPageTests.HostilePrediction + g[0], g[1]));
        // Nothing from the data became an element: the only images are the heatmaps, the only script the page's.
        Assert.Equal(0, await page.EvaluateAsync<int>("document.querySelectorAll('details.task img, details.task script, details.task a').length"));
        Assert.Equal(1, await page.EvaluateAsync<int>("document.scripts.length"));
        Assert.Equal("undefined", await page.EvaluateAsync<string>("typeof window.pwned"));

        await page.TypeAsync("#task-filter", "no such task");
        Assert.Empty(await page.EvaluateAsync<string[]>(visible));
        page.AssertClean();
    }
}
