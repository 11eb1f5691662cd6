"""portal.services.deliveries: a push's last error as the commission's clerk reads it."""
from portal.services.deliveries import error_text


def test_a_push_error_reads_in_chinese_whatever_the_network_said():
    assert error_text("HTTP 503") == "接收方答复 HTTP 503（接收方未接收）"
    assert error_text("HTTP 302（不跟随重定向）") == "接收方答复 HTTP 302，未跟随其重定向"
    assert error_text("timed out") == "连接接收方超时"
    assert error_text("[Errno 111] Connection refused") == "接收方拒绝连接（可能未启动）"
    assert error_text("RemoteDisconnected") == "无法连接接收方（网络错误）"
    assert error_text("已拒绝：无法解析主机名 push.example.org") == "已拒绝：无法解析主机名 push.example.org"
    assert error_text("") == error_text(None) == ""
