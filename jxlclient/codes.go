package jxlclient

// Process codes of collect answers (data.process_code), from the public
// integrations listed in jxl-api.md §6. Codes not listed here may still come
// back and are returned as they are.
const (
	CodeTimeout            = 0     // timeout, or carrier site unavailable
	CodeSecondSMS          = 10001 // a second SMS code is needed
	CodeSMSSent            = 10002 // SMS code sent; submit it with TypeCaptcha
	CodeWrongPassword      = 10003 // service password wrong; ask again
	CodeWrongSMS           = 10004 // SMS code wrong; ask again
	CodeSMSExpired         = 10006 // SMS code expired; a new one was sent
	CodeSimplePassword     = 10007 // simple/initial password; user must reset it
	CodeCollecting         = 10008 // login OK, crawling started
	CodeVerifyFailed       = 10009 // contacts invalid or number not real-name
	CodeBadNewPassword     = 10010 // reset flow: new password format wrong
	CodeSendCXXD           = 10017 // user must text CXXD to 10001 for the code
	CodeCXXDExpired        = 10018 // that CXXD code expired
	CodeQueryPassword      = 10022 // query password needed; use TypeQueryPwd
	CodeWrongQueryPassword = 10023 // query password wrong; ask again
	CodeTwoSMS             = 10024 // two SMS codes needed (one source only)
	CodeResetOK            = 11000 // reset flow: password reset
	CodeCarrierError       = 30000 // carrier error or daily SMS limit; end
	CodeResetFailed        = 31000 // reset flow: reset failed
)

// Codes of the v3 applications envelope (top-level "code"). Only
// ApplyCodeOK means success.
const (
	ApplyCodeNoOrg        = 65537 // org account does not exist
	ApplyCodeOrgFrozen    = 65538 // org account frozen
	ApplyCodeOrgExpired   = 65539 // org account expired
	ApplyCodeNoBasicInfo  = 65540 // basic info empty
	ApplyCodeBadIDCard    = 65541 // ID card number empty or invalid
	ApplyCodeBadPhone     = 65542 // phone number empty or invalid
	ApplyCodeBadName      = 65543 // name empty or invalid
	ApplyCodeBadContact   = 65545 // contact phone invalid
	ApplyCodeMaintenance  = 65555 // carrier under maintenance
	ApplyCodeTokenFailure = 65556 // token generation failed
	ApplyCodeOK           = 65557 // token generated
)
