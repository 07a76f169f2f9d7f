"""Writes jinja_goldens.jsonl: templates rendered by Python Jinja2 set up exactly as
transformers' apply_chat_template sets it up. Run from this folder with jinja2 3.1.x:
    python3 make_jinja_goldens.py
Templates written as "@name" are the chat templates of ../<name>/."""
import gzip
import json
import os
from datetime import datetime
import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return datetime.now().strftime(fmt)


class AssistantTracker(jinja2.ext.Extension):
    """transformers' {% generation %} tag, reduced to what rendering needs: its body."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                    extensions=[AssistantTracker, jinja2.ext.loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now


def named_template(name):
    if name == "mistral":
        return json.load(open("../mistral/chat_template.json"))["chat_template"]
    path = f"../{name}/tokenizer_config.json"
    if os.path.exists(path + ".gz"):
        return json.load(gzip.open(path + ".gz", "rt", encoding="utf-8"))["chat_template"]
    return json.load(open(path, encoding="utf-8"))["chat_template"]


S = {"s": "  Hello, World  ", "t": "a,b,,c", "l": [1, 2, 3, 4, 5], "m": {"b": 1, "a": [1, 2.5, None, True]},
     "u": "héllo wörld ☃ 😀", "n": None}

CASES = [
    # whitespace control
    ("ws_trim_blocks", "{% if true %}\nyes\n{% endif %}\nend\n", {}),
    ("ws_lstrip_blocks", "a\n    {% if true %}\n    b\n    {% endif %}\nc", {}),
    ("ws_lstrip_after_text", "x {% if true %}y{% endif %} z", {}),
    ("ws_minus_all", "a  \n  {%- if true -%}  \n  b  \n  {%- endif -%}  \n  c", {}),
    ("ws_expr_minus", "a\n   {{- 'x' -}}   \n  b {{ 'y' }}  \n  c", {}),
    ("ws_plus_block", "a\n    {%+ if true +%}\nb\n    {%+ endif %}\nc", {}),
    ("ws_comment", "a\n  {# note #}\nb {#- trimmed -#}   c\n", {}),
    ("ws_raw", "{% raw %}\n  {{ not_rendered }} {% if %}\n{% endraw %}\nafter", {}),
    ("ws_crlf", "line1\r\n{% if true %}\r\nline2\r\n{% endif %}\r\n", {}),
    ("ws_two_trailing_newlines", "x\n\n", {}),
    ("ws_expr_after_block_same_line", "{% for i in l %}  {{ i }}\n{% endfor %}", S),
    ("ws_set_block_lines", "{%- set x = 1 %}\n  {%- set y = 2 %}\n{{ x + y }}\n", {}),
    ("ws_dict_in_expr", "{{ {'a': {'b': 1}}['a']['b'] }}|{{ '}}' }}|{{ \"%}\" }}", {}),
    # slices and indexing
    ("slice_list", "{{ l[::-1] }}|{{ l[1:] }}|{{ l[:-1] }}|{{ l[::2] }}|{{ l[-2:] }}|{{ l[1:4:2] }}|{{ l[10:] }}|{{ l[-10:2] }}|{{ l[3:1:-1] }}", S),
    ("slice_string", "{{ 'hello'[1:3] }}|{{ 'hello'[::-1] }}|{{ u[::-1] }}|{{ 'hello'[-3:] }}", S),
    ("slice_in_for", "{% for x in l[::-1] %}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}", S),
    ("index_negative", "{{ l[-1] }}|{{ l[0] }}|{{ t.split(',')[-1] }}", S),
    # Python string methods
    ("str_startswith", "{{ s.startswith('  He') }}|{{ s.endswith(('x', '  ')) }}|{{ 'abc'.startswith('b') }}", S),
    ("str_strip", "[{{ s.strip() }}]|[{{ s.lstrip() }}]|[{{ s.rstrip() }}]|[{{ 'xxhixx'.strip('x') }}]|[{{ '\\n\\nhi\\n'.lstrip('\\n') }}]|[{{ 'ab cba'.rstrip('ab') }}]", S),
    ("str_split", "{{ t.split(',') }}|{{ s.split() }}|{{ 'a b  c'.split(' ') }}|{{ t.split(',', 1) }}|{{ t.rsplit(',', 1) }}|{{ ''.split() }}", S),
    ("str_case", "{{ s.upper() }}|{{ s.lower() }}|{{ 'hello world'.title() }}|{{ 'hELLO'.capitalize() }}", S),
    ("str_replace_find", "{{ t.replace(',', ';') }}|{{ t.replace(',', ';', 2) }}|{{ t.find('b') }}|{{ t.find('z') }}|{{ t.count(',') }}|{{ '-'.join(['a', 'b']) }}", S),
    ("str_predicates", "{{ '123'.isdigit() }}{{ 'ab'.isalpha() }}{{ ' '.isspace() }}{{ ''.isspace() }}{{ 'AB'.isupper() }}{{ 'ab'.islower() }}", {}),
    ("str_splitlines", "{{ 'a\\nb\\r\\nc'.splitlines() }}", {}),
    ("str_in", "{{ 'ell' in 'hello' }}|{{ 'z' in 'hello' }}|{{ 2 in l }}|{{ 'a' in m }}", S),
    # tojson
    ("tojson_basic", "{{ m | tojson }}|{{ u | tojson }}|{{ 'q\"b\\\\n\\n\\t' | tojson }}|{{ n | tojson }}|{{ 1e-5 | tojson }}|{{ 1e16 | tojson }}|{{ 123.0 | tojson }}", S),
    ("tojson_indent", "{{ m | tojson(indent=2) }}\n{{ [] | tojson(indent=2) }}\n{{ {} | tojson }}", S),
    ("tojson_sort", "{{ m | tojson(sort_keys=true) }}", S),
    # tests
    ("tests_types", "{{ s is string }}{{ l is string }}{{ n is none }}{{ s is iterable }}{{ l is iterable }}{{ 5 is iterable }}{{ m is mapping }}{{ s is sequence }}{{ 3 is integer }}{{ 3.5 is float }}{{ true is boolean }}", S),
    ("tests_defined", "{{ s is defined }}{{ zz is defined }}{{ zz is undefined }}{{ m.b is defined }}{{ m.zz is defined }}", S),
    ("tests_true_false", "{{ false is false }}{{ 0 is false }}{{ true is true }}{{ 1 is true }}", {}),
    # loops and namespace
    ("loop_vars", "{% for x in l %}{{ loop.index0 }}{{ loop.index }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex0 }};{% endfor %}", S),
    ("loop_controls", "{% for x in l %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", S),
    ("namespace", "{% set ns = namespace(found=false, last=l|length - 1, acc='') %}{% for x in l %}{% if x > 3 and not ns.found %}{% set ns.found = true %}{% set ns.last = loop.index0 %}{% endif %}{% set ns.acc = ns.acc ~ x %}{% endfor %}{{ ns.found }} {{ ns.last }} {{ ns.acc }}", S),
    ("set_in_loop_scope", "{% set x = 'outer' %}{% for i in l %}{% set x = 'inner' %}{% endfor %}{{ x }}", S),
    ("dict_items", "{% for k, v in m.items() %}{{ k }}={{ v }};{% endfor %}|{{ m.get('b') }}|{{ m.get('zz', 'dflt') }}|{{ m.keys() | list }}", S),
    # printed values and arithmetic
    ("print_values", "{{ true }}|{{ [1, 'a', none] }}|{{ {'k': 'v'} }}|{{ 1.0 }}|{{ 7 / 2 }}|{{ 7 // 2 }}|{{ 2 ** 3 }}|{{ 'ab' * 2 }}|{{ 7 % 3 }}|{{ -(l|length) }}", S),
    ("filters_common", "{{ l | length }}|{{ l | first }}|{{ l | last }}|{{ l | join('-') }}|{{ s | trim }}|{{ zz | default('d') }}|{{ 'x' | upper }}|{{ [3, 1, 2] | sort }}|{{ l | sum }}|{{ l | reverse | list }}", S),
    ("filters_select", "{{ msgs | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }}|{{ msgs | rejectattr('role', 'equalto', 'user') | list | length }}", {"msgs": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]}),
    ("ternary_and_concat", "{{ 'yes' if l else 'no' }}|{{ 'a' + 'b' ~ 1 }}|{{ (l | length) > 3 and s }}|{{ not n }}", S),
    ("arith_edge", "{{ -5 }}|{{ (2+3) }}|{{ l[0]+3 }}|{{ -(l|length) }}|{{ {'a': {'b': 1}}['a'] }}|{{ l[1]*2 }}|{{ [0] * 3 }}", S),
    ("str_escapes", "{{ '\\u00e9\\x41\\q' }}|{{ \"it's\" }}|{{ 'a\\\\b' }}|{{ 'tab\\there' }}", {}),
    ("generation_tag", "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}\n{% endgeneration %}{% else %}{{ m.content }}\n{% endif %}{% endfor %}", {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}),
    ("raise", "{% if l|length > 2 %}{{ raise_exception('too many: ' ~ l|length) }}{% endif %}", S),
]

USER = {"role": "user", "content": "What is 2+2?"}
THINK = {"role": "assistant", "content": "<think>\nAdd them.\n</think>\n\nIt is 4."}
TOOL_CALL = {"role": "assistant", "content": "", "tool_calls": [
    {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "°C"}}}]}
TOOL_RESULT = {"role": "tool", "content": "{\"temp\": 21}"}
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]

CHAT_CASES = [
    ("qwen3_think_last", "@qwen3", {"messages": [USER, THINK], "add_generation_prompt": False}),
    ("qwen3_think_history", "@qwen3", {"messages": [USER, THINK, {"role": "user", "content": "And 3+3?"}], "add_generation_prompt": True}),
    ("qwen3_no_thinking", "@qwen3", {"messages": [USER], "add_generation_prompt": True, "enable_thinking": False}),
    ("qwen3_reasoning_field", "@qwen3", {"messages": [USER, {"role": "assistant", "content": "4", "reasoning_content": "\nsum\n"}], "add_generation_prompt": False}),
    ("qwen3_tools", "@qwen3", {"messages": [{"role": "system", "content": "Be brief."}, USER, TOOL_CALL, TOOL_RESULT, TOOL_RESULT], "tools": TOOLS, "add_generation_prompt": True}),
    ("qwen3_system_late", "@qwen3", {"messages": [USER, {"role": "system", "content": "late"}], "add_generation_prompt": False}),
    ("gemma3_parts", "@gemma3", {"messages": [{"role": "system", "content": [{"type": "text", "text": "  Sys prompt.  "}]}, {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": " Describe. "}]}], "add_generation_prompt": True, "bos_token": "<bos>"}),
    ("gemma3_not_alternating", "@gemma3", {"messages": [USER, USER], "add_generation_prompt": True, "bos_token": "<bos>"}),
    ("llama3_trim_unicode", "@llama3", {"messages": [{"role": "user", "content": "\u00a0 héllo \n"}], "add_generation_prompt": True, "bos_token": "<|begin_of_text|>"}),
    ("mistral_multi", "@mistral", {"messages": [USER, {"role": "assistant", "content": "4"}, USER], "add_generation_prompt": False, "bos_token": "<s>", "eos_token": "</s>"}),
]


def render(template, variables):
    try:
        return {"rendered": env.from_string(template).render(**variables)}
    except jinja2.exceptions.TemplateError as e:
        return {"rendered": None, "error": str(e)}


with open("jinja_goldens.jsonl", "w", encoding="utf-8") as out:
    for cid, template, variables in CASES + CHAT_CASES:
        source = named_template(template[1:]) if template.startswith("@") else template
        row = {"id": cid, "template": template, "variables": variables, **render(source, variables)}
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
