package jxlclient_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/jxlgw/jxlgw/jxlclient"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
)

// Example walks a carrier authorisation against the simulator: apply for a
// token, submit the service password (polling while RUNNING), then the SMS
// code.
func Example() {
	sim := jxlsim.New(jxlsim.Config{})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	defer sim.Close()

	c, err := jxlclient.New(jxlclient.Config{BaseURL: srv.URL, Org: "demo_org"})
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseIdleConnections()
	ctx := context.Background()

	app, err := c.Apply(ctx, jxlclient.ApplyRequest{BasicInfo: jxlclient.BasicInfo{
		Name: "测试用户", IDCardNum: "110000200001010000", CellPhoneNum: "13800000000",
	}})
	if err != nil {
		log.Fatal(err)
	}
	req := jxlclient.CollectRequest{
		Token: app.Token, Account: app.CellPhoneNum, Password: "pass_slow",
		Website: app.Datasource.Website,
	}
	res, err := c.Collect(ctx, req)
	for err == nil && res.Type == jxlclient.ResultRunning {
		res, err = c.Poll(ctx, req) // a real caller waits between polls
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Type, res.ProcessCode, res.ReqMsgTpl.Type)

	req.Type, req.Captcha = res.ReqMsgTpl.Type, "123456"
	res, err = c.Collect(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Type, res.ProcessCode, res.Finish, res.Content)
	fmt.Println(req)
	// Output:
	// CONTROL 10002 SUBMIT_CAPTCHA
	// CONTROL 10008 true 开始采集行为数据
	// CollectRequest{Type:"SUBMIT_CAPTCHA" Website:"chinamobilegd"}
}
