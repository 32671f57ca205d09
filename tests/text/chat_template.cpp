#include <gpta/text/chat_template.hpp>

#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

using gpta::chat_message;
using gpta::text::chat_format;
using gpta::text::chat_template_options;
using gpta::text::render_chat;
using messages = std::vector<chat_message>;

BOOST_AUTO_TEST_CASE(a_user_turn_gets_qwens_default_system_and_the_generation_prompt) {
  const messages m{{"user", "Is this review positive?"}};
  BOOST_TEST(render_chat(m) ==
             "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
             "<|im_start|>user\nIs this review positive?<|im_end|>\n"
             "<|im_start|>assistant\n");
}

BOOST_AUTO_TEST_CASE(a_leading_system_message_replaces_the_default) {
  const messages m{{"system", "Answer yes or no."}, {"user", "Hi"}, {"assistant", "yes"}, {"user", "Sure?"}};
  BOOST_TEST(render_chat(m) ==
             "<|im_start|>system\nAnswer yes or no.<|im_end|>\n"
             "<|im_start|>user\nHi<|im_end|>\n"
             "<|im_start|>assistant\nyes<|im_end|>\n"
             "<|im_start|>user\nSure?<|im_end|>\n"
             "<|im_start|>assistant\n");
}

BOOST_AUTO_TEST_CASE(later_system_messages_are_ordinary_turns) {
  const messages m{{"user", "a"}, {"system", "b"}};
  chat_template_options o;
  o.add_generation_prompt = false;
  BOOST_TEST(render_chat(m, o) ==
             "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
             "<|im_start|>user\na<|im_end|>\n"
             "<|im_start|>system\nb<|im_end|>\n");
}

BOOST_AUTO_TEST_CASE(no_default_system_when_asked_and_empty_conversations) {
  chat_template_options o;
  o.default_system.reset();
  BOOST_TEST(render_chat(messages{{"user", "x"}}, o) == "<|im_start|>user\nx<|im_end|>\n<|im_start|>assistant\n");
  BOOST_TEST(render_chat(messages{}, o) == "<|im_start|>assistant\n");
  BOOST_TEST(render_chat(messages{}) ==
             "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
             "<|im_start|>assistant\n");
}

BOOST_AUTO_TEST_CASE(tool_messages_form_one_user_turn_per_run) {
  const messages m{{"system", "s"}, {"tool", "r1"}, {"tool", "r2"}, {"assistant", "ok"}, {"tool", "r3"}};
  chat_template_options o;
  o.add_generation_prompt = false;
  BOOST_TEST(render_chat(m, o) ==
             "<|im_start|>system\ns<|im_end|>\n"
             "<|im_start|>user\n<tool_response>\nr1\n</tool_response>\n<tool_response>\nr2\n</tool_response><|im_end|>\n"
             "<|im_start|>assistant\nok<|im_end|>\n"
             "<|im_start|>user\n<tool_response>\nr3\n</tool_response><|im_end|>\n");
}

BOOST_AUTO_TEST_CASE(content_is_written_verbatim) {
  const messages m{{"system", ""}, {"user", "line1\n\nline2  "}};
  BOOST_TEST(render_chat(m) ==
             "<|im_start|>system\n<|im_end|>\n<|im_start|>user\nline1\n\nline2  <|im_end|>\n<|im_start|>assistant\n");
}

BOOST_AUTO_TEST_CASE(plain_format_joins_contents) {
  chat_template_options o;
  o.format = chat_format::plain;
  BOOST_TEST(render_chat(messages{{"system", "Classify."}, {"user", "great movie"}}, o) == "Classify.\ngreat movie");
  o.separator = " ";
  BOOST_TEST(render_chat(messages{{"user", "a"}, {"user", "b"}}, o) == "a b");
  BOOST_TEST(render_chat(messages{}, o).empty());
}

BOOST_AUTO_TEST_CASE(unknown_roles_are_rejected) {
  BOOST_CHECK_THROW((void)render_chat(messages{{"narrator", "x"}}), std::invalid_argument);
}
