/* jsonpath.c — what the shell tests use to read a JSON file by its structure, not its
 * layout:  jsonpath FILE EXPRESSION  prints the matches of a JSONPath expression
 * ("$.findings[0].measures.h1_dead") as one compact JSON array, e.g. [1.0].  Exit 0, or 2
 * when the file is not JSON or the expression does not compile. */
#include <json-glib/json-glib.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: jsonpath FILE EXPRESSION\n");
        return 2;
    }
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;
    if (!json_parser_load_from_file(parser, argv[1], &err)) {
        fprintf(stderr, "jsonpath: %s: %s\n", argv[1], err->message);
        return 2;
    }
    g_autoptr(JsonPath) path = json_path_new();
    if (!json_path_compile(path, argv[2], &err)) {
        fprintf(stderr, "jsonpath: %s: %s\n", argv[2], err->message);
        return 2;
    }
    g_autoptr(JsonNode) found = json_path_match(path, json_parser_get_root(parser));
    g_autofree char *text = json_to_string(found, FALSE);
    printf("%s\n", text);
    return 0;
}
