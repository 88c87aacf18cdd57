using MetaLora.Tokenization.Templates;
using static MetaLora.Tests.Tokenization.Templates.ChatTemplateTestKit;

namespace MetaLora.Tests.Tokenization.Templates;

/// <summary>The chat templates of real models, rendered as transformers' apply_chat_template renders them.</summary>
public sealed class ChatTemplateModelTests
{
    // Mistral-7B-Instruct-v0.1/v0.2 and Mixtral-8x7B-Instruct-v0.1, as their tokenizer_config.json first shipped it.
    private const string MistralV02 = "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    // The later Mistral template, with an optional system message and whitespace control on every tag.
    private const string MistralWithSystem = """
        {%- if messages[0]['role'] == 'system' %}
            {%- set system_message = messages[0]['content'] %}
            {%- set loop_messages = messages[1:] %}
        {%- else %}
            {%- set loop_messages = messages %}
        {%- endif %}

        {{- bos_token }}
        {%- for message in loop_messages %}
            {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
                {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}
            {%- endif %}
            {%- if message['role'] == 'user' %}
                {%- if loop.first and system_message is defined %}
                    {{- ' [INST] ' + system_message + '\n\n' + message['content'] + ' [/INST]' }}
                {%- else %}
                    {{- ' [INST] ' + message['content'] + ' [/INST]' }}
                {%- endif %}
            {%- elif message['role'] == 'assistant' %}
                {{- ' ' + message['content'] + eos_token}}
            {%- else %}
                {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}
            {%- endif %}
        {%- endfor %}

        """;

    // Llama-2-chat.
    private const string Llama2 = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

    // Meta-Llama-3-8B-Instruct.
    private const string Llama3 = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

    // ChatML as Qwen2-Instruct ships it: a default system message when the chat has none.
    private const string Qwen2 = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    // zephyr-7b-beta (and TinyLlama-Chat): one tag per line, no whitespace control, real newlines inside the strings.
    private const string Zephyr = "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}";

    private static string RenderChat(string template, ChatMessage[] messages, bool addGenerationPrompt = false, string bos = "<s>", string eos = "</s>") =>
        ChatTemplate.Parse(template).Render(messages, addGenerationPrompt, bos, eos);

    [Fact]
    public void Mistral_v02_puts_user_turns_in_inst_and_ends_assistant_turns_with_eos()
    {
        // No text between the tags: BOS, then "[INST] hi [/INST]", "yo" + EOS, "[INST] q [/INST]".
        // The template ignores add_generation_prompt.
        Assert.Equal("<s>[INST] hi [/INST]yo</s>[INST] q [/INST]", RenderChat(MistralV02, [User("hi"), Assistant("yo"), User("q")], addGenerationPrompt: true));
    }

    [Fact]
    public void Mistral_v02_raises_the_templates_own_messages()
    {
        var e = Assert.Throws<ChatTemplateException>(() => RenderChat(MistralV02, [User("a"), User("b")]));
        Assert.Equal("Conversation roles must alternate user/assistant/user/assistant/...", e.Message);
        Assert.True(e.IsRaisedByTemplate);
        // A tool message in an assistant's place alternates, so the role check raises instead.
        e = Assert.Throws<ChatTemplateException>(() => RenderChat(MistralV02, [User("a"), new ChatMessage("tool", "x")]));
        Assert.Equal("Only user and assistant roles are supported!", e.Message);
    }

    [Fact]
    public void Mistral_with_system_message_leaves_none_of_the_templates_layout_in_the_prompt()
    {
        // Every tag strips the whitespace before it ({%- / {{-), trim_blocks removes the newline after each
        // block tag, and the template's final newline is dropped, so only the strings' text remains. The
        // system message joins the first user turn after a blank line ('\n\n' in the template).
        Assert.Equal("<s> [INST] Be brief.\n\nhi [/INST] yo</s> [INST] q [/INST]",
            RenderChat(MistralWithSystem, [SystemMessage("Be brief."), User("hi"), Assistant("yo"), User("q")]));
        // Without a system message, system_message is never set, so "is defined" is false.
        Assert.Equal("<s> [INST] hi [/INST]", RenderChat(MistralWithSystem, [User("hi")]));
        var e = Assert.Throws<ChatTemplateException>(() => RenderChat(MistralWithSystem, [SystemMessage("s"), Assistant("a")]));
        Assert.Equal("After the optional system message, conversation roles must alternate user/assistant/user/assistant/...", e.Message);
    }

    [Fact]
    public void Llama2_folds_the_system_message_into_the_first_turn_and_strips_contents()
    {
        // '\n' in the template's strings are newlines. content.strip() strips the whole turn, so the spaces
        // before "hi", inside the first turn after the system block, stay, while those around "yo" go.
        Assert.Equal("<s>[INST] <<SYS>>\nS\n<</SYS>>\n\n  hi [/INST] yo </s><s>[INST] q [/INST]",
            RenderChat(Llama2, [SystemMessage("S"), User("  hi "), Assistant(" yo\n"), User("q")]));
        Assert.Equal("<s>[INST] q [/INST]", RenderChat(Llama2, [User("q")]));
    }

    [Fact]
    public void Llama3_sets_bos_on_the_first_message_only_and_trims_contents_not_headers()
    {
        // "| trim" binds tighter than "+", so it trims the content alone and the header's "\n\n" stays;
        // the set inside the loop prefixes BOS on index 0 only.
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            RenderChat(Llama3, [SystemMessage("S"), User(" hi \n")], addGenerationPrompt: true, bos: "<|begin_of_text|>", eos: "<|eot_id|>"));
    }

    [Fact]
    public void Qwen2_chatml_adds_a_default_system_message_and_the_generation_prompt()
    {
        Assert.Equal("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
            RenderChat(Qwen2, [User("hi")], addGenerationPrompt: true));
        Assert.Equal("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n",
            RenderChat(Qwen2, [SystemMessage("S"), User("hi")]));
    }

    [Fact]
    public void Zephyr_keeps_the_newline_after_each_output_and_drops_those_after_block_tags()
    {
        // Each block tag ends its own line, and trim_blocks removes that newline; the newline after each
        // {{ }} line is template text and stays. So each message is "<|role|>\n" + content + EOS + "\n", and
        // the generation prompt "<|assistant|>\n".
        Assert.Equal("<|system|>\nS</s>\n<|user|>\nhi</s>\n<|assistant|>\nyo</s>\n<|user|>\nq</s>\n<|assistant|>\n",
            RenderChat(Zephyr, [SystemMessage("S"), User("hi"), Assistant("yo"), User("q")], addGenerationPrompt: true));
    }

    [Fact]
    public void A_namespace_carries_a_result_out_of_the_loop_where_set_does_not()
    {
        // The Qwen2.5-style search for the last user message: ns.last is set inside the loop and survives
        // it, while "found" set inside the loop is gone after each iteration (Jinja's scoping).
        const string template = """
            {%- set ns = namespace(last=-1) %}
            {%- set found = 'no' %}
            {%- for m in messages %}
                {%- if m.role == 'user' %}
                    {%- set ns.last = loop.index0 %}
                    {%- set found = 'yes' %}
                {%- endif %}
            {%- endfor %}
            {{- ns.last }} {{ found }}
            """;
        Assert.Equal("2 no", RenderChat(template, [User("a"), Assistant("b"), User("c"), Assistant("d")]));
    }

    [Fact]
    public void Messages_are_dicts_of_role_and_content()
    {
        Assert.Equal("user:hi|{'role': 'user', 'content': 'hi'}|[\"role\", \"content\"]",
            RenderChat("{{ messages[0].role }}:{{ messages[0]['content'] }}|{{ messages[0] }}|{{ messages[0].keys() | list | tojson }}", [User("hi")]));
    }
}
